"""Say in one line whether this Python can run Linli, before anything is installed.

    python3 scripts/python_check.py

The range is read from pyproject.toml's requires-python, so there is one place to change it.
Written for any Python 3 (no tomllib, no f-strings), because its job is to run on the
versions that cannot run Linli and say so.
"""

import re
import sys
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def bounds(text):
    """(lowest, first too new) from requires-python = ">=3.11,<3.15"."""
    spec = re.search(r'^requires-python\s*=\s*"([^"]+)"', text, re.M).group(1)
    low = re.search(r">=\s*(\d+)\.(\d+)", spec)
    high = re.search(r"<\s*(\d+)\.(\d+)", spec)
    return (int(low.group(1)), int(low.group(2))), (int(high.group(1)), int(high.group(2)))


def refusal(here, text, executable):
    """None when Python `here` (major, minor) is in the range, else the one line saying so."""
    low, high = bounds(text)
    if low <= here < high:
        return None
    return (
        "Linli needs Python {0[0]}.{0[1]} to {1[0]}.{1[1]}, and {2} is Python {3[0]}.{3[1]}: "
        "install one of those and run e.g. `make run PYTHON=python{0[0]}.{0[1]}` "
        "(`make clean` first if .venv was made with this one).".format(
            low, (high[0], high[1] - 1), executable, here
        )
    )


def main():
    line = refusal(sys.version_info[:2], PYPROJECT.read_text(encoding="utf-8"), sys.executable)
    if line is None:
        return 0
    sys.stderr.write(line + "\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
