"""The Python range: pyproject's requires-python is what Django 5.2 supports from 3.11 on, and
scripts/python_check.py refuses the others in one line before `make` installs anything."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts/python_check.py"
spec = importlib.util.spec_from_file_location("python_check", SCRIPT)
assert spec and spec.loader
python_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(python_check)
PYPROJECT = (ROOT / "pyproject.toml").read_text()


def test_the_range_is_within_what_django_supports() -> None:
    low, high = python_check.bounds(PYPROJECT)
    classifiers = importlib.metadata.metadata("Django").get_all("Classifier") or []
    django = {
        c.rsplit(" ", 1)[-1]
        for c in classifiers
        if c.startswith("Programming Language :: Python :: 3.")
    }
    # 3.11 is the floor of the code itself (enum.StrEnum, datetime.UTC, typing.NotRequired)
    assert low == (3, 11)
    assert {f"3.{minor}" for minor in range(low[1], high[1])} <= django
    assert high > (3, 13), "3.12 and 3.13 (current Debian and Ubuntu) are accepted"


def test_versions_out_of_range_get_one_line_naming_the_range() -> None:
    assert python_check.refusal((3, 11), PYPROJECT, "python3") is None
    assert python_check.refusal((3, 13), PYPROJECT, "python3") is None
    old = python_check.refusal((3, 10), PYPROJECT, "/usr/bin/python3")
    new = python_check.refusal((3, 99), PYPROJECT, "/usr/bin/python3")
    for line in (old, new):
        assert line is not None and "\n" not in line
        assert line.startswith("Linli needs Python 3.11 to 3.") and "/usr/bin/python3" in line


def test_the_script_passes_on_this_python() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == ""
