#!/usr/bin/python3
"""Golden files of offloadkit's .npy/.npz reader (include/offloadkit/io/npy.hpp), written by NumPy.

Run: /usr/bin/python3 tests/data/npy/make_npy_golden.py   (Debian 12: NumPy 1.24)

good/<name>.npy (and .npz): arrays NumPy wrote, each with good/<name>.txt holding what the reader
must return: the dtype name ("f8"), the shape ("3 4"; empty line for a scalar) and the values in C
order as Python's repr of the double each element converts to exactly (one per line). An .npz's
.txt holds one such block per member, each introduced by "member <name>".

bad/<name>.npy (or .npz): files the reader must reject; bad/expected.txt lists "<file>|<text the
message must contain>". Most are NumPy's own output, cut or edited at one place.

It also copies a few files into the fuzz seed corpus (tests/fuzz/corpus/npy/).
"""
import io
import os
import shutil
import struct
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
GOOD = os.path.join(HERE, "good")
BAD = os.path.join(HERE, "bad")
CORPUS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "fuzz", "corpus", "npy")


def npy_bytes(a, version=None):
    b = io.BytesIO()
    if version is None:
        np.save(b, a)
    else:
        np.lib.format.write_array(b, a, version=version)
    return b.getvalue()


def expected_block(a):
    a = np.asarray(a)
    lines = [a.dtype.str[1:], " ".join(str(d) for d in a.shape)]
    for v in np.ascontiguousarray(a).reshape(-1):
        lines.append(repr(float(v)))
    return "\n".join(lines) + "\n"


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def good(name, a, version=None):
    write(os.path.join(GOOD, name + ".npy"), npy_bytes(a, version))
    with open(os.path.join(GOOD, name + ".txt"), "w") as f:
        f.write(expected_block(a))


def main():
    for d in (GOOD, BAD):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    rng = np.random.default_rng(14)
    scores = rng.random(7)
    good("f8_scores", scores)
    good("f4_scores", scores.astype("<f4"))
    good("f8_big_endian", scores.astype(">f8"))
    good("f4_big_endian", scores.astype(">f4"))
    good("f8_specials", np.array([0.0, -0.0, np.inf, -np.inf, 5e-324, 1.7976931348623157e308]))
    good("b1_labels", np.array([True, False, True, True]))
    good("u1_labels", np.array([1, 0, 0, 1, 1], dtype=np.uint8))
    good("i1", np.array([-128, -1, 0, 127], dtype=np.int8))
    good("i2_big_endian", np.array([-32768, -2, 300, 32767], dtype=">i2"))
    good("i4", np.array([-(2**31), -7, 0, 2**31 - 1], dtype="<i4"))
    good("i8_limits", np.array([-(2**53), -1, 0, 2**53], dtype="<i8"))
    good("u2", np.array([0, 1, 65535], dtype="<u2"))
    good("u4_big_endian", np.array([0, 4294967295, 12345], dtype=">u4"))
    good("u8_limit", np.array([0, 2**53], dtype="<u8"))
    logits = rng.normal(size=(5, 3))
    good("logits_c", logits)
    good("logits_fortran", np.asfortranarray(logits))
    good("i4_fortran_big_endian", np.asfortranarray(np.arange(24, dtype=">i4").reshape(2, 3, 4)))
    good("f4_fortran_3d", np.asfortranarray(rng.random((3, 2, 2)).astype("<f4")))
    good("scalar", np.array(2.5))
    good("empty", np.zeros(0))
    good("empty_2d", np.zeros((2, 0), dtype="<i4"))
    good("version_2", scores, version=(2, 0))
    good("version_3", scores, version=(3, 0))

    # An archive of scores and labels as np.savez writes it (stored members, ZIP64 extra fields).
    labels = (rng.random(7) < 0.6).astype(np.uint8)
    np.savez(os.path.join(GOOD, "scores_labels.npz"), score=scores, label=labels)
    with open(os.path.join(GOOD, "scores_labels.txt"), "w") as f:
        f.write("member score\n" + expected_block(scores) + "member label\n" + expected_block(labels))
    np.savez(os.path.join(GOOD, "logits_labels.npz"), logits=logits, label=np.array([0, 2, 1, 1, 0]))
    with open(os.path.join(GOOD, "logits_labels.txt"), "w") as f:
        f.write("member logits\n" + expected_block(logits) + "member label\n" + expected_block(np.array([0, 2, 1, 1, 0])))

    bad = []

    def reject(name, data, message):
        write(os.path.join(BAD, name), data)
        bad.append(name + "|" + message)

    base = npy_bytes(scores)
    header_end = base.index(b"\n") + 1
    reject("empty.npy", b"", "too short for a .npy file")
    reject("not_npy.npy", b"score,label\n0.5,1\n", "not a .npy file")
    reject("version_9.npy", base[:6] + b"\x09\x00" + base[8:], "format version 9.0 is not supported")
    reject("truncated_header.npy", base[:40], "the header claims 118 bytes")
    reject("truncated_data.npy", base[:-3], "needs 7 elements but the file holds 6 (truncated)")
    reject("trailing_bytes.npy", base + b"\x00", "1 bytes after the last element")
    reject("no_newline.npy", base[:header_end - 1] + b" " + base[header_end:], "the header does not end with a newline")

    def edited(old, new):
        h = base[10:header_end].decode()
        assert old in h, (old, h)
        h2 = h.rstrip(" \n").replace(old, new)
        assert len(h2) < len(h)
        h2 = h2 + " " * (len(h) - len(h2) - 1) + "\n"
        return base[:10] + h2.encode() + base[header_end:]

    reject("complex.npy", npy_bytes(scores.astype(np.complex64)), "dtype '<c8' is not supported")
    reject("float16.npy", npy_bytes(scores.astype(np.float16)), "dtype '<f2' is not supported")
    reject("unicode.npy", npy_bytes(np.array(["a", "b"])), "dtype '<U1' is not supported")
    reject("object.npy", npy_bytes(np.array([1, "a"], dtype=object)), "dtype '|O' is not supported")
    reject("structured.npy", npy_bytes(np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")])),
           "a structured dtype (a list of fields) is not supported")
    reject("native_order.npy", edited("'<f8'", "'=f8'"), "native byte order ('=')")
    reject("no_order_f8.npy", edited("'<f8'", "'|f8'"), "has no byte order ('|') but 8-byte elements")
    reject("fortran_maybe.npy", edited("False", "Maybe"), "'fortran_order' must be True or False")
    reject("unknown_key.npy", edited("'fortran_order'", "'fortran_orderX'"), "unknown key 'fortran_orderX'")
    reject("missing_shape.npy", edited("'shape': (7,), ", ""), "missing key 'shape'")
    reject("negative_shape.npy", edited("(7,)", "(-7,)"), "'shape' must hold non-negative integers")
    reject("shape_too_big.npy", edited("(7,)", "(8,)"), "needs 8 elements but the file holds 7 (truncated)")
    reject("huge_shape.npy", edited("(7,)", "(99999999999, 99999999999)"), "has too many elements")
    reject("bool_byte_2.npy", npy_bytes(np.array([True, False]))[:-1] + b"\x02", "is a bool byte of value 2")
    reject("i8_beyond_2_53.npy", npy_bytes(np.array([2**53 + 1], dtype="<i8")), "beyond 2^53")
    reject("u8_beyond_2_53.npy", npy_bytes(np.array([2**64 - 1], dtype="<u8")), "beyond 2^53")
    # Archives.
    b = io.BytesIO()
    np.savez_compressed(b, score=scores)
    reject("compressed.npz", b.getvalue(), "is deflate-compressed (np.savez_compressed)")
    good_npz = open(os.path.join(GOOD, "scores_labels.npz"), "rb").read()
    at = good_npz.index(b"\x93NUMPY") + 60  # a byte inside score.npy's header padding
    reject("crc_mismatch.npz", good_npz[:at] + b"#" + good_npz[at + 1:], "CRC-32 mismatch")
    reject("truncated.npz", good_npz[:-30], "no end-of-central-directory record")
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("notes.txt", "hello")
    reject("not_npy_member.npz", b.getvalue(), "member 'notes.txt' is not a .npy file")
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("score.npy", base[:-8])
    reject("truncated_member.npz", b.getvalue(), "member 'score.npy'")
    with open(os.path.join(BAD, "expected.txt"), "w") as f:
        f.write("\n".join(bad) + "\n")

    os.makedirs(CORPUS, exist_ok=True)
    for name in ("f8_scores.npy", "logits_fortran.npy", "i2_big_endian.npy", "b1_labels.npy", "scalar.npy",
                 "version_2.npy", "scores_labels.npz"):
        shutil.copy(os.path.join(GOOD, name), os.path.join(CORPUS, "seed_" + name))
    for name in ("structured.npy", "compressed.npz", "truncated_data.npy"):
        shutil.copy(os.path.join(BAD, name), os.path.join(CORPUS, "seed_bad_" + name))


if __name__ == "__main__":
    main()
