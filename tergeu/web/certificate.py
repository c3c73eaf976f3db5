"""The sign-in page's second way in: the official's certificate key through the signing
application (tergeu/signing/login.py; static/web/sign.js talks to NCALayer). Two JSON steps,
as for signing a document: the challenge, then its CMS."""

from __future__ import annotations

import base64
import json

from django.contrib.auth import login
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tergeu.api.idempotency import too_large
from tergeu.errors import AppError
from tergeu.signing.login import certificate_official, challenge_issue
from tergeu.web.context import landing
from tergeu.web.two_factor import PKI_SESSION_KEY

BACKEND = "django.contrib.auth.backends.ModelBackend"


@require_POST
def challenge(request: HttpRequest) -> JsonResponse:
    data = challenge_issue(request.session, request.get_host())
    return JsonResponse({"data": base64.b64encode(data).decode()})


@require_POST
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.content_type != "application/json":
        message = _("The request must be a JSON object in UTF-8.")
        return JsonResponse(
            {"error": {"code": "unsupported_media_type", "message": message, "details": {}}},
            status=415,
        )
    try:
        body = json.loads(request.body or b"{}")
        official = certificate_official(request.session, str(body.get("cms", "")))
    except AppError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    except RequestDataTooBig:
        return too_large()
    except (ValueError, AttributeError):  # not JSON, not UTF-8, or not an object
        message = _("The request must be a JSON object in UTF-8.")
        return JsonResponse(
            {"error": {"code": "invalid_json", "message": message, "details": {}}}, status=400
        )
    login(request, official, backend=BACKEND)
    request.session[PKI_SESSION_KEY] = True  # the key on its token is the second factor
    wanted = str(body.get("next", ""))
    safe = wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()})
    return JsonResponse({"next": wanted if safe else landing(official)})
