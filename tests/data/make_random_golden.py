#!/usr/bin/python3
"""Independent reference for offloadkit::detail::rng (tests/detail/test_random.cpp).

xoshiro256** and splitmix64 written from the published specification (Blackman & Vigna,
https://prng.di.unimi.it/) with Python's arbitrary-precision integers, not from offloadkit's code.
Prints the first outputs for a few seeds as C++ initialisers; the test embeds them.
Run: /usr/bin/python3 tests/data/make_random_golden.py
"""
M = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


def xoshiro(seed, n):
    s, sm = [], seed
    for _ in range(4):
        sm, v = splitmix64(sm)
        s.append(v)
    out = []
    for _ in range(n):
        out.append((rotl((s[1] * 5) & M, 7) * 9) & M)
        t = (s[1] << 17) & M
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out


for seed in (0, 1, 0x0FF10ADC17):
    vals = ", ".join("0x%016XULL" % v for v in xoshiro(seed, 6))
    print("{%#xULL, {%s}}," % (seed, vals))
