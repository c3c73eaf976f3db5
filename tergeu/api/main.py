"""The REST API, /api/v1/. Endpoints parse and validate, pass the access gate, call one service
and respond; every error has the shape {"error": {"code", "message", "details"}}."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from tergeu.accounts.models import Official
from tergeu.accounts.services import token_official
from tergeu.errors import AppError


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` for API clients."""

    def authenticate(self, request: HttpRequest, token: str) -> Official | None:
        official = token_official(token)
        if official is not None:
            request.user = official
        return official


api = NinjaAPI(
    title="tergeu API",
    version="1",
    description="The electronic criminal case. Every error response is "
    '`{"error": {"code": str, "message": str, "details": object}}`.',
    auth=[TokenAuth(), SessionAuth()],
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
        request, 422, "invalid_input", "The request does not fit its schema.", {"errors": errors}
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", "Sign in or send a valid bearer token.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "Not found.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc))


from tergeu.api import cases, reports  # noqa: E402  (routers register on `api`)

api.add_router("/reports", reports.router)
api.add_router("/cases", cases.router)
api.add_router("", cases.me_router)
