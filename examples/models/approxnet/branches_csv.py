"""Writes branches.csv (name, file, input_size, exit, accuracy) from branches.json.

The C++ tools (offloadkit-profile-approx, offloadkit-approx-live) read the branch list as CSV with
the library's CSV reader rather than parse JSON. Run from the repository root after
make_approxnet.py has (re)written branches.json:

    /usr/bin/python3 examples/models/approxnet/branches_csv.py
"""
import csv
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent


def main():
    spec = json.loads((HERE / "branches.json").read_text())
    with open(HERE / "branches.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["branch", "file", "input_size", "exit", "accuracy"])
        for b in spec["branches"]:
            w.writerow([b["name"], b["file"], b["input_size"], b["exit"], b["accuracy"]])


if __name__ == "__main__":
    main()
