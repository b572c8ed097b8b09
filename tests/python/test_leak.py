"""No leak: 100,000 calls keep Python's heap (tracemalloc) and the process RSS flat."""
import gc
import tracemalloc

import numpy as np

import offloadkit as ok

CALLS = 100_000


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_100000_calls_keep_memory_flat():
    rng = np.random.default_rng(1)
    s = rng.random(64)
    y = (rng.random(64) < s).astype(np.uint8)
    cal = ok.PlattCalibrator.fit(s, y)
    text = cal.to_string()
    bad = np.array([np.nan])

    def one_round():
        cal.predict(s)
        cal(0.5)
        ok.calibration_error(s, y)
        ok.PlattCalibrator.from_string(text)
        try:
            cal.predict(bad)
        except ValueError:
            pass

    for _ in range(2000):  # warm up caches, allocator pools
        one_round()
    gc.collect()
    tracemalloc.start()
    before_py = tracemalloc.get_traced_memory()[0]
    before_rss = rss_kib()
    for _ in range(CALLS // 5):
        one_round()
    gc.collect()
    after_py = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    after_rss = rss_kib()
    # 100,000 calls: a leak of even 8 bytes per call would show as 800 KB.
    assert after_py - before_py < 64 * 1024, (before_py, after_py)
    assert after_rss - before_rss < 2048, (before_rss, after_rss)
