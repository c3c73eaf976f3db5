"""The REST API, /api/v1/. Endpoints parse and validate, pass the access gate, call one service
and respond; every error has the shape {"error": {"code", "message", "details"}}."""

from __future__ import annotations

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


def _refuse_nul(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidInput(_("Text must not contain NUL characters."), code="nul_character")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key)
            _refuse_nul(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_nul(item)


class TextParser(Parser):
    """JSON bodies and query strings; NUL characters are refused here, once for every endpoint,
    because PostgreSQL cannot store them in text (SQLite can: the two would disagree)."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        _refuse_nul(data)
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> Any:
        parsed = super().parse_querydict(data, list_fields, request)
        _refuse_nul(parsed)
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
