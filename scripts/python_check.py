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


def main():
    low, high = bounds(PYPROJECT.read_text(encoding="utf-8"))
    here = sys.version_info[:2]
    if low <= here < high:
        return 0
    sys.stderr.write(
        "Linli needs Python {0[0]}.{0[1]} to {1[0]}.{1[1]}, and {2} is Python {3[0]}.{3[1]}: "
        "install one of those and run e.g. `make run PYTHON=python{0[0]}.{0[1]}` "
        "(`make clean` first if .venv was made with this one).\n".format(
            low, (high[0], high[1] - 1), sys.executable, here
        )
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
