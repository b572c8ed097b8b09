#!/usr/bin/env python3
"""Remakes the ONNX files of this folder: they are written by ../make_amvp.py (seeded, byte-reproducible;
see ../MODEL_CARD.md). This runs that script with the same arguments (`export` re-exports from the committed
checkpoint without retraining), from any directory:

    /usr/bin/python3 examples/models/amvp/onnx/export.py export
"""
import os
import runpy
import sys

if __name__ == "__main__":
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "make_amvp.py")
    sys.argv[0] = script
    runpy.run_path(script, run_name="__main__")
