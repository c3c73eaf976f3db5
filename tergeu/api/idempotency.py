"""The API under faults: a client whose request was cut off (a server process killed, the
database restarting) does not know whether the work was done. So

- a request that finds the database unavailable is answered 503 `database_unavailable` with
  `Retry-After`, in the one error shape, and nothing is written;
- a POST with an `Idempotency-Key` header (any unique text up to 200 characters, e.g. a UUID)
  runs in one transaction with the record of its answer: a retry with the same key returns
  the stored answer (header `Idempotent-Replayed: true`) and does nothing again; the same key
  with another request is refused (422 `idempotency_key_reused`). Only successful answers are
  kept: a refused request may be retried as it is, and is judged again.

Keys are per credential (a bearer token, or the signed-in official's session). A body over
DATA_UPLOAD_MAX_MEMORY_SIZE is answered here too, 413 `too_large` in the same shape."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from tergeu import clock
from tergeu.api.models import IdempotentRequest

PREFIX = "/api/"
KEY_MAX = 200
RETRY_AFTER_SECONDS = 5
REPLAYED = "Idempotent-Replayed"


def _error(
    status: int,
    code: str,
    message: str,
    *,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    response = JsonResponse(
        {"error": {"code": code, "message": message, "details": details or {}}}, status=status
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def unavailable() -> HttpResponse:
    return _error(
        503,
        "database_unavailable",
        _("The case file's database is not reachable just now. Nothing was written; try again."),
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def too_large() -> HttpResponse:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE (files aside: they have ATTACHMENT_MAX_BYTES),
    refused before any of it is parsed, in the API's error shape rather than Django's page."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    message = _("The request's body is larger than the limit of %(limit)d bytes.")
    return _error(413, "too_large", message % {"limit": limit}, details={"limit": limit})


def _scope(request: HttpRequest) -> str | None:
    """Whose key this is: the bearer token (hashed) or the session's official; None for a
    request that carries neither (it will be refused 401 by the API)."""
    authorization = request.headers.get("Authorization", "")
    if authorization:
        return "token:" + hashlib.sha256(authorization.encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"official:{user.pk}"
    return None


def _request_hash(request: HttpRequest) -> str:
    """What the key answered: the path and the body (for an upload larger than what is read
    into memory, its length and type)."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    length = int(request.headers.get("Content-Length") or 0)
    if length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        digest.update(request.body)
    else:
        digest.update(f"{length} {request.content_type}".encode())
    return digest.hexdigest()


def _replay(stored: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(
        bytes(stored.body), status=stored.status, content_type=stored.content_type
    )
    response[REPLAYED] = "true"
    return response


class ApiFaults:
    """Middleware for the API's paths: the database's absence, and idempotent POSTs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        try:
            key = request.headers.get("Idempotency-Key")
            if request.method == "POST" and key is not None:
                return self._once(request, key)
            return self.get_response(request)
        except (OperationalError, InterfaceError):
            return unavailable()
        except RequestDataTooBig:  # read by the key's check, before the view
            return too_large()

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """The database lost in the view itself (Django turns a view's exception into a
        response before it reaches `__call__`)."""
        if not request.path.startswith(PREFIX):
            return None
        if isinstance(exception, OperationalError | InterfaceError):
            return unavailable()
        if isinstance(exception, RequestDataTooBig):
            return too_large()
        return None

    def _once(self, request: HttpRequest, key: str) -> HttpResponse:
        if not key or len(key) > KEY_MAX or not key.isprintable():
            return _error(
                422,
                "invalid_idempotency_key",
                _("An Idempotency-Key is printable text of 1 to %(max)s characters.")
                % {"max": KEY_MAX},
            )
        scope = _scope(request)
        if scope is None:
            return self.get_response(request)
        digest = _request_hash(request)
        stored = IdempotentRequest.objects.filter(scope=scope, key=key).first()
        if stored is not None:
            return self._answer(stored, digest)
        try:
            with transaction.atomic():
                response = self.get_response(request)
                if response.status_code >= 500:
                    # Whatever the request did before failing is undone: its retry redoes it.
                    transaction.set_rollback(True)
                elif 200 <= response.status_code < 300 and not response.streaming:
                    IdempotentRequest.objects.create(
                        scope=scope,
                        key=key,
                        request_hash=digest,
                        status=response.status_code,
                        content_type=response.get("Content-Type", "application/json"),
                        body=response.content,
                        created_at=clock.now(),
                    )
        except IntegrityError:
            # The same key was answered meanwhile by a concurrent request; this one's work is
            # rolled back with the failed insert.
            stored = IdempotentRequest.objects.filter(scope=scope, key=key).first()
            if stored is None:
                raise
            return self._answer(stored, digest)
        return response

    @staticmethod
    def _answer(stored: IdempotentRequest, digest: str) -> HttpResponse:
        if stored.request_hash != digest:
            return _error(
                422,
                "idempotency_key_reused",
                _("This Idempotency-Key was used for another request."),
            )
        return _replay(stored)
