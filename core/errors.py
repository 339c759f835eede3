"""Domain errors with stable codes, shared by every service and every adapter.

The code is for machines and never changes; the message is for people and is translated.
Adapters map them: REST to an HTTP status with {"code", "message"}, WebSocket to `err`.
"""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    code = "invalid"
    http_status = 400

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str | None = None,
        params: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.params = params
        if code is not None:
            self.code = code

    def render(self) -> str:
        """The message in the active language; adapters call it where the user's is active."""
        text = str(self.message)
        return text % self.params if self.params else text

    def __str__(self) -> str:
        return self.render()


class Invalid(DomainError):
    code = "invalid"


class Forbidden(DomainError):
    code = "forbidden"
    http_status = 403


class NotFound(DomainError):
    """Also raised for things that exist but may not be seen: the two must look alike."""

    code = "not_found"
    http_status = 404


class RateLimited(DomainError):
    code = "rate_limited"
    http_status = 429
