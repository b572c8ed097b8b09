"""Runs the worked examples of docs/python.md (its ```python blocks, in order, as one script) in a
scratch directory."""
import os
import re

from conftest import data_path


def test_worked_example_runs(tmp_path, monkeypatch):
    with open(data_path("docs", "python.md"), encoding="utf-8") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    assert len(blocks) == 3
    monkeypatch.chdir(tmp_path)
    scope = {}
    for block in blocks:
        exec(compile(block, "docs/python.md", "exec"), scope)
    import offloadkit as ok
    with open(os.path.join(tmp_path, "platt.txt")) as f:
        assert ok.PlattCalibrator.from_string(f.read()).a != 0.0
