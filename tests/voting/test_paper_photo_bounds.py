"""Issue 15 item 14 at the API: a paper-ballot photo whose header declares too many pixels
is a 400 with a stable code, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.core.test_uploads import png_bomb
from tests.voting.scene import ballot, scene
from voting.models import PaperBallot

pytestmark = pytest.mark.django_db


def test_a_photo_bomb_gets_image_too_large_and_writes_nothing(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    s = scene(1)
    b = ballot(s)
    elector = b.electors.get()
    client = APIClient()
    client.force_authenticate(s.staff)
    bomb = png_bomb(tmp_path / "form.png").read_bytes()
    answer = client.post(
        f"/api/v1/ballots/{b.pk}/paper/",
        {
            "elector": str(elector.pk),
            "choice": ["yes"],
            "photo": SimpleUploadedFile("form.png", bomb, content_type="image/png"),
        },
        format="multipart",
    )
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == "image_too_large"
    assert "32" in answer.json()["message"]
    assert not PaperBallot.objects.exists()
    assert not list(tmp_path.rglob("*.jpg"))
