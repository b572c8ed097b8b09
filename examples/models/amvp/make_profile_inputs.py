#!/usr/bin/python3
"""Inputs of offloadkit-profile-amvp (issue 18 §2), in CSV so that the C++ tool needs no JSON reader.

Made by (from the repository root; reads models.json, the checkpoint's tone cuts and Debian's
dataset-fashion-mnist test set; trains nothing):

    /usr/bin/python3 examples/models/amvp/make_profile_inputs.py

Writes, in examples/models/amvp/profile/:
- parts.csv: one row per (candidate, split point) of models.json: candidate, task, base,
  frozen_layers, layer (6 = the unsplit model), part1 and part2 ONNX files (relative to
  examples/models/amvp/; part2 empty for the unsplit model), feature_bytes (binary32 features part 1
  sends; 0 unsplit), and the accuracy models.json reports for the candidate (a cross-check);
- test_labels.csv: index,class10,coarse4,tone3: each task's label of the 10,000 Fashion-MNIST test
  frames, computed by make_amvp.task_labels with the checkpoint's tone cuts.
"""
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the committed scripts

import csv
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import nets_common as nc  # noqa: E402
import make_amvp as am  # noqa: E402
import torch  # noqa: E402


def main():
    with open(os.path.join(HERE, "models.json")) as f:
        doc = json.load(f)
    out = os.path.join(HERE, "profile")
    os.makedirs(out, exist_ok=True)
    layers = doc["base_model"]["layers"]
    with open(os.path.join(out, "parts.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["candidate", "task", "base", "frozen_layers", "layer", "part1", "part2", "feature_bytes",
                    "accuracy_models_json"])
        for c in doc["candidates"]:
            for s in c["splits"]:
                w.writerow([c["name"], c["task"], c["base"], c["frozen_layers"], s["layer"], s["part1"]["file"],
                            s["part2"]["file"], s["feature_bytes"], c["accuracy"]])
            w.writerow([c["name"], c["task"], c["base"], c["frozen_layers"], layers, c["unsplit"]["file"], "", 0,
                        c["accuracy"]])
    cuts = torch.load(am.CHECKPOINT)["tone_cuts"]
    images, labels = nc.load_fashion("test")
    y = {t: am.task_labels(t, images, labels, cuts) for t in am.TASKS}
    with open(os.path.join(out, "test_labels.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["index"] + list(am.TASKS))
        for i in range(len(labels)):
            w.writerow([i] + [int(y[t][i]) for t in am.TASKS])


if __name__ == "__main__":
    main()
