"""Shared fixtures of the offloadkit Python tests (issue 19). Run: python -m pytest tests/python"""
import os

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def data_path(*parts):
    return os.path.join(ROOT, *parts)


@pytest.fixture
def rng():
    return np.random.default_rng(19)


def binary_data(rng, n, ties=False):
    """Scores in [0, 1] and labels drawn with P(label = 1) = score^1.5 (miscalibrated on purpose)."""
    s = rng.random(n)
    if ties:
        s = np.round(s, 2)
    y = (rng.random(n) < s ** 1.5).astype(np.uint8)
    return s, y
