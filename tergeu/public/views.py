"""The citizens' status page: no official account, a one-time code instead. Each view
validates a form and calls one service; what the person may see is decided by the gate
(`access.gate.participant_case`) and the services, never here. The session holds the code
asked for and, once it was right, the access it opened, which expires."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tergeu.errors import AppError, NotFound
from tergeu.public.forms import CodeForm, CodeRequestForm
from tergeu.public.services import (
    StatusAccess,
    status_code_check,
    status_code_request,
    status_page,
)

# Session keys: the code asked for (its id, or None when none was sent) and the access.
PENDING = "status_code"
ACCESS = "status_access"
INVALID = 422


def client_address(request: HttpRequest) -> str:
    """The client's address: the proxy's header when one is configured, else the connection's."""
    header = settings.TERGEU_CLIENT_IP_HEADER
    forwarded = request.META.get(header, "") if header else ""
    # A proxy appends to a list: the last entry is the one it saw itself.
    address = forwarded.split(",")[-1].strip() if forwarded else ""
    return address or str(request.META.get("REMOTE_ADDR", ""))


@require_http_methods(["GET", "POST"])
def code_request(request: HttpRequest) -> HttpResponse:
    """Register number and IIN; a code goes to the participant's contact if they match."""
    form = CodeRequestForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        status = INVALID
        if form.is_valid():
            try:
                code_id = status_code_request(
                    register_number=form.cleaned_data["register_number"],
                    iin=form.cleaned_data["iin"],
                    client=client_address(request),
                )
            except AppError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                request.session.pop(ACCESS, None)
                request.session[PENDING] = {"id": code_id}
                return redirect("public:code")
    return render(request, "public/start.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def code_enter(request: HttpRequest) -> HttpResponse:
    """The code; the same page whether or not a code was sent."""
    pending: dict[str, Any] | None = request.session.get(PENDING)
    if pending is None:
        return redirect("public:start")
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        status = INVALID
        if form.is_valid():
            try:
                access = status_code_check(code_id=pending["id"], code=form.cleaned_data["code"])
            except AppError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                # A new session key: whoever knew the old one does not get the access.
                request.session.cycle_key()
                request.session.pop(PENDING, None)
                request.session[ACCESS] = {
                    "case": access.case_id,
                    "person": access.person_id,
                    "until": access.until.isoformat(),
                }
                return redirect("public:case")
    minutes = settings.TERGEU_STATUS_CODE_MINUTES
    return render(request, "public/code.html", {"form": form, "minutes": minutes}, status=status)


def _access(request: HttpRequest) -> StatusAccess | None:
    held: dict[str, Any] | None = request.session.get(ACCESS)
    if held is None:
        return None
    return StatusAccess(held["case"], held["person"], datetime.fromisoformat(held["until"]))


@require_http_methods(["GET"])
def case(request: HttpRequest) -> HttpResponse:
    """The case as its participant sees it, while the access lasts."""
    access = _access(request)
    if access is None:
        return redirect("public:start")
    try:
        page = status_page(access=access, client=client_address(request))
    except NotFound as exc:
        request.session.pop(ACCESS, None)
        messages.info(request, exc.message)
        return redirect("public:start")
    return render(request, "public/case.html", {"page": page, "until": access.until})


@require_POST
def end(request: HttpRequest) -> HttpResponse:
    """Leave the status page: the access ends now."""
    request.session.pop(ACCESS, None)
    request.session.pop(PENDING, None)
    messages.info(request, _("You have left the status page."))
    return redirect("public:start")
