"""The REST API, /api/v1/. Endpoints parse and validate, pass the access gate, call one service
and respond; every error has the shape {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from tergeu.accounts.models import Official
from tergeu.accounts.services import token_official
from tergeu.errors import AppError, InvalidInput
from tergeu.text import REPLACEMENT_CHARACTER
from tergeu.web.two_factor import verified as second_factor_passed


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` for API clients."""

    def authenticate(self, request: HttpRequest, token: str) -> Official | None:
        official = token_official(token)
        if official is not None:
            request.user = official
        return official


class BrowserSessionAuth(SessionAuth):
    """The browser's session cookie. CSRF is checked only for a signed-in session: a client
    without one (no or a bad bearer token) is told 401, not that a CSRF token is missing."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated or not second_factor_passed(request):
            return None
        return super().__call__(request)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _texts(value: Any) -> list[str]:
    """Every string in a parsed body or query, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for key, item in value.items() for t in (*_texts(key), *_texts(item))]
    if isinstance(value, list):
        return [t for item in value for t in _texts(item)]
    return []


def _refuse_bad_text(value: Any, *, query: bool = False) -> None:
    """NUL characters; halves of surrogate pairs (JSON's "\\ud800" escapes: no Unicode text,
    so no UTF-8 can store them); in a query, U+FFFD, which Django reads in place of bytes that
    are not UTF-8 (a JSON body that is not UTF-8 cannot be parsed at all)."""
    for text in _texts(value):
        if "\x00" in text:
            raise InvalidInput(_("Text must not contain NUL characters."), code="nul_character")
        if _SURROGATE.search(text):
            raise InvalidInput(
                _("Text must be Unicode: it contains half of a surrogate pair."),
                code="invalid_text",
            )
        if query and REPLACEMENT_CHARACTER in text:
            raise InvalidInput(_("The query is not in UTF-8."), code="invalid_text")


class TextParser(Parser):
    """JSON bodies and query strings; NUL characters and lone surrogates are refused here, once
    for every endpoint, because PostgreSQL cannot store the first nor UTF-8 encode the second
    (SQLite stores both: the two databases would disagree)."""

    def parse_body(self, request: HttpRequest) -> Any:
        # A body labelled as something else (a form, plain text) is not read as JSON on a
        # guess: what the client meant to send cannot be known.
        kind = request.content_type or ""
        if kind != "application/json" and not kind.endswith("+json"):
            raise AppError(
                _("The body must be JSON, sent as Content-Type: application/json."),
                code="unsupported_media_type",
                status=415,
                details={"content_type": kind},
            )
        data = super().parse_body(request)
        _refuse_bad_text(data)
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> Any:
        parsed = super().parse_querydict(data, list_fields, request)
        _refuse_bad_text(parsed, query=True)
        return parsed


api = NinjaAPI(
    title="tergeu API",
    version="1",
    description="The electronic criminal case. Every error response is "
    '`{"error": {"code": str, "message": str, "details": object}}`.',
    auth=[TokenAuth(), BrowserSessionAuth()],
    parser=TextParser(),
    urls_namespace="api",
    docs_url="/docs",
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    return api.create_response(
        request,
        {"error": {"code": code, "message": message, "details": details or {}}},
        status=status,
    )


@api.exception_handler(AppError)
def _app_error(request: HttpRequest, exc: AppError) -> HttpResponse:
    return _error(request, exc.status, exc.code, exc.message, exc.details)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "loc": [str(p) for p in e.get("loc", [])],
            "msg": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in exc.errors
    ]
    return _error(
        request, 422, "invalid_input", _("The request does not fit its schema."), {"errors": errors}
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", _("Sign in or send a valid bearer token."))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # django-ninja wraps whatever the body parser raises in a 400 "Cannot parse request body".
    if isinstance(exc.__cause__, AppError):
        return _app_error(request, exc.__cause__)
    return _error(request, exc.status_code, "http_error", str(exc))


from tergeu.api import cases, compartments, defence, reports  # noqa: E402  (routers register on `api`)

api.add_router("/reports", reports.router)
api.add_router("/cases", cases.router)
api.add_router("/cases", compartments.router)
api.add_router("", cases.me_router)
api.add_router("", defence.router)

from tergeu.api import notifications  # noqa: E402

api.add_router("/cases", notifications.router)
api.add_router("", notifications.me_router)

from tergeu.api import supervision  # noqa: E402

api.add_router("", supervision.router)

from tergeu.api import documents  # noqa: E402

api.add_router("", documents.router)

from tergeu.api import signatures  # noqa: E402

api.add_router("", signatures.router)

from tergeu.api import evidence  # noqa: E402

api.add_router("", evidence.router)

from tergeu.api import integrity  # noqa: E402

api.add_router("/cases", integrity.router)
api.add_router("", integrity.log_router)

from tergeu.api import audit  # noqa: E402

api.add_router("", audit.router)
