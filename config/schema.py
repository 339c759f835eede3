"""The OpenAPI schema's component names.

Every API view nests its own `InputSerializer` / `OutputSerializer` (docs/architecture.md),
so the class name alone repeats across views and drf-spectacular merged unrelated
components under one name ("Input"), warning about it in `check --deploy`. A nested
serializer is named after its view instead: RoleListApi.InputSerializer → RoleListInput.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema


class LinliSchema(AutoSchema):  # type: ignore[misc]
    def get_serializer_name(self, serializer: Any, direction: Any) -> str:
        cls = type(serializer)
        owner, _, name = cls.__qualname__.rpartition(".")
        if not owner or "<locals>" in owner:
            return str(cls.__name__)
        owner = owner.rsplit(".", 1)[-1].removesuffix("Api").removesuffix("View")
        return owner + name
