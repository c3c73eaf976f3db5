"""The one application error type. Every surface renders it as
`{"error": {"code": ..., "message": ..., "details": ...}}` with its HTTP status."""

from typing import Any


class AppError(Exception):
    """A refused command or request. Raising it inside a transaction rolls everything back."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: Any = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details if details is not None else {}

    def as_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class InvalidInput(AppError):
    status = 422
    code = "invalid_input"


class NotFound(AppError):
    """Also what a user gets for a case they may not see: existence must not leak."""

    status = 404
    code = "not_found"


class Forbidden(AppError):
    """The user may see the case but not perform this act."""

    status = 403
    code = "forbidden"


class Conflict(AppError):
    status = 409
    code = "conflict"


class TooLarge(AppError):
    status = 413
    code = "too_large"


class TooManyRequests(AppError):
    """A rate limit was reached; the message says when to try again."""

    status = 429
    code = "too_many_requests"
