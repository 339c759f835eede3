"""DRF exception handler: domain errors and DRF's own errors share one shape."""

from typing import Any

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"code": exc.code, "message": exc.render()}, status=exc.http_status)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "code" not in response.data:
        code = getattr(exc, "default_code", "invalid")
        if response.status_code == status.HTTP_400_BAD_REQUEST:
            code = "invalid"
        response.data = {"code": code, "message": _first_message(response.data), **response.data}
    return response


def _first_message(data: Any) -> str:
    if isinstance(data, dict):
        for value in data.values():
            return _first_message(value)
    if isinstance(data, list) and data:
        return _first_message(data[0])
    return str(data)
