#!/usr/bin/python3
"""Writes the two illustrative inputs of offloadkit-approx (examples/approx.cpp):

approx_illustrative_profile.csv — Table 2(a) of ApproxNet extended to three complexity
  categories and three contention levels by fixed rules, NOT measured (the paper publishes only
  the averaged table and figures without numbers):
    accuracy, category 0 (simple)  = min(1, a + 0.05)
    accuracy, category 1           = a
    accuracy, category 2 (complex) = a - 0.10 for 12-layer branches, a - 0.05 for deeper ones
    latency,  level m              = l * (1 + m * s), s = 0.20 for inputs up to 112x112, 0.35 above
  (deeper branches suffer less on complex content, larger inputs more under contention: the
  qualitative findings of §4.4 and Fig. 10, with made-up magnitudes).
approx_events_example.csv — 60 frames: the requirement changes every 12 frames (RT, HH, LL, RT,
  HH-Offload; Fig. 11 changes it every 100), the content gets complex at frame 18, and contention
  rises to level 2 at frame 38 (the `contention` column makes the tool simulate the observed
  latency of the chosen branch from the profile, which the contention estimator then sees).
Run: /usr/bin/python3 examples/data/make_approx_examples.py
"""
import os

TABLE_2A = [  # branch, input side, layers, accuracy, latency ms
    ("80x80x3/12", 80, 12, 0.6639, 16.14),
    ("96x96x3/12", 96, 12, 0.6798, 16.78),
    ("112x112x3/12", 112, 12, 0.6853, 17.70),
    ("128x128x3/12", 128, 12, 0.7023, 17.97),
    ("112x112x3/20", 112, 20, 0.7828, 26.84),
    ("128x128x3/20", 128, 20, 0.7935, 27.95),
    ("160x160x3/20", 160, 20, 0.8081, 31.33),
    ("128x128x3/24", 128, 24, 0.8212, 31.42),
]

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "approx_illustrative_profile.csv"), "w") as f:
    f.write("# ILLUSTRATIVE, NOT MEASURED: ApproxNet Table 2(a) extended by the rules in\n")
    f.write("# make_approx_examples.py (3 categories, 3 contention levels). Use with --boundaries 0.05,0.1\n")
    f.write("branch,executor,accuracy[0],accuracy[1],accuracy[2],latency_ms[0],latency_ms[1],latency_ms[2]\n")
    for name, side, layers, acc, lat in TABLE_2A:
        accs = [min(1.0, acc + 0.05), acc, acc - (0.10 if layers == 12 else 0.05)]
        s = 0.20 if side <= 112 else 0.35
        lats = [lat * (1 + m * s) for m in range(3)]
        f.write("%s,local,%s,%s\n" % (name, ",".join("%.4f" % a for a in accs), ",".join("%.2f" % l for l in lats)))
    f.write("224x224x3/34@edge,remote,0.8586,0.8586,0.8586,20.57,20.57,20.57\n")

with open(os.path.join(here, "approx_events_example.csv"), "w") as f:
    f.write("# ILLUSTRATIVE: 60 frames for offloadkit-approx --events (see make_approx_examples.py)\n")
    f.write("frame,edge_value,contention,requirement\n")
    reqs = ["RT", "HH", "LL", "RT", "HH-Offload"]
    for i in range(60):
        edge = 0.04 if i < 18 else 0.15
        level = 0 if i < 38 else 2
        f.write("%d,%.3f,%d,%s\n" % (i, edge, level, reqs[i // 12]))
print("written")
