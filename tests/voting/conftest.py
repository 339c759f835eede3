from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture(autouse=True)
def _media_in_tmp(tmp_path: Path) -> None:
    """Paper-ballot photos go to a temporary folder, not the checkout's media/."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
