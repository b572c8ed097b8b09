"""SPP (ApproxNet §4.1) against a numpy reference; the quantizer (AMVP §IV-B, eq. 1) against the
formula worked in numpy."""
import math

import numpy as np
import pytest

import offloadkit as ok


def spp_reference(x, levels, op):
    c, h, w = x.shape
    out = []
    for l in levels:
        def bins(a):
            win, stride = math.ceil(a / l), a // l
            return [(i * stride, min(i * stride + win, a)) for i in range(l)]
        part = np.empty((c, l, l))
        for i, (r0, r1) in enumerate(bins(h)):
            for j, (c0, c1) in enumerate(bins(w)):
                part[:, i, j] = op(x[:, r0:r1, c0:c1].reshape(c, -1), axis=1)
        out.append(part.reshape(-1))  # level-major; channel, bin row, bin column within a level
    return np.concatenate(out)


@pytest.mark.parametrize("shape", [(1, 3, 3), (3, 7, 5), (4, 13, 16)])
@pytest.mark.parametrize("levels", [(1,), (1, 2, 3), (3, 2)])
def test_spp_matches_numpy(rng, shape, levels):
    x = rng.normal(size=shape)
    np.testing.assert_allclose(ok.spp_max_pool(x, levels), spp_reference(x, levels, np.max), atol=0)
    np.testing.assert_allclose(ok.spp_avg_pool(x, levels), spp_reference(x, levels, np.mean), atol=1e-12)
    batch = np.stack([x, -x])
    got = ok.spp_max_pool(batch.astype(np.float32), levels)
    assert got.dtype == np.float32 and got.shape == (2, ok.spp_max_pool(x, levels).size)
    np.testing.assert_allclose(got[1], spp_reference(-x, levels, np.max), atol=1e-6)


@pytest.mark.parametrize("bits", [1, 3, 8, 16])
def test_quantize_formula_and_wire_round_trip(rng, bits):
    x = (rng.normal(size=1001) * 3).astype(np.float32)
    q = ok.quantize(x, bits)
    lo, hi = float(x.min()), float(x.max())
    assert (q.bits, q.size, q.min, q.max) == (bits, x.size, lo, hi)
    assert len(q.payload) == math.ceil(x.size * bits / 8)
    levels = 2 ** bits - 1
    step = (hi - lo) / levels
    back = ok.dequantize(q)
    assert back.dtype == np.float32
    assert np.max(np.abs(back - x)) <= step / 2 * (1 + 1e-5) + 1e-6
    wire = q.serialize()
    assert isinstance(wire, bytes)
    q2 = ok.QuantizedTensor.deserialize(wire)
    assert q2 == q
    np.testing.assert_array_equal(ok.dequantize(q2), back)


def test_deserialize_rejects_every_truncation(rng):
    wire = ok.quantize(rng.random(40).astype(np.float32), 5).serialize()
    for k in range(len(wire)):
        with pytest.raises(ValueError):
            ok.QuantizedTensor.deserialize(wire[:k])
