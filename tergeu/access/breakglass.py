"""Break-glass access: an official outside a case's team who must read it urgently (a
detained person's case at night, an operation that cannot wait for a transfer) opens it on a
written reason. The grant runs `TERGEU_BREAK_GLASS_HOURS`, gives no capacity to act, marks
every read in the access log, and the supervising prosecutor is told at once (CJIS 5.5: access
outside the ordinary need to know is exceptional, justified and reviewed)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tergeu import clock
from tergeu.access.audit import access_append
from tergeu.access.gate import holds_role, visible_cases
from tergeu.access.models import BreakGlass
from tergeu.accounts.models import Appointment, Official, Role
from tergeu.cases.models import Case
from tergeu.errors import Conflict, Forbidden, InvalidInput, NotFound
from tergeu.notifications.models import Notification, NotificationKind
from tergeu.notifications.services import notifications_send
from tergeu.registry.numbers import register_number_parse

# Who may break the glass: the officials who conduct, supervise or decide on cases. Not the
# defence (its access is its admission), analysts, administrators, auditors or the
# institutions executing sentences.
MAY_BREAK_GLASS = frozenset(
    {
        Role.INVESTIGATOR,
        Role.INQUIRY_OFFICER,
        Role.INVESTIGATION_HEAD,
        Role.INQUIRY_HEAD,
        Role.PROSECUTOR,
        Role.INVESTIGATING_JUDGE,
        Role.TRIAL_JUDGE,
    }
)
REASON_MIN, REASON_MAX = 20, 2000
MESSAGE = gettext_noop(
    "%(official)s opened case %(register_number)s outside its team until %(until)s: %(reason)s"
)


def reason_clean(reason: str) -> str:
    text = " ".join(str(reason).split())
    if not REASON_MIN <= len(text) <= REASON_MAX:
        raise InvalidInput(
            _("Write why the case must be read now, in %(min)s to %(max)s characters.")
            % {"min": REASON_MIN, "max": REASON_MAX},
            code="reason_required",
            details={"min": REASON_MIN, "max": REASON_MAX},
        )
    return text


def break_glass_open(
    *, official: Official, register_number: str, reason: str, surface: str
) -> BreakGlass:
    """Open `register_number` to `official` for a few hours on `reason`; the supervising
    prosecutors are told. Refused, with nothing written, to an official who may not break the
    glass, for a case they already see, or without a reason."""
    if not any(holds_role(official, role) for role in MAY_BREAK_GLASS):
        raise Forbidden(
            _("Only officials who conduct, supervise or decide on cases may open one urgently."),
            code="break_glass_not_allowed",
        )
    text = reason_clean(reason)
    number = register_number_parse(register_number)
    case = Case.objects.filter(register_number=number).first()
    if case is None:
        raise NotFound(
            _("No case has this register number."),
            code="case_not_found",
            details={"register_number": number},
        )
    if visible_cases(official, break_glass=False).filter(pk=case.pk).exists():
        raise Conflict(
            _("You already have access to this case."),
            code="already_visible",
            details={"case_id": case.pk},
        )
    now = clock.now()
    with transaction.atomic():
        grant = BreakGlass.objects.create(
            official=official,
            case=case,
            reason=text,
            granted_at=now,
            until=now + timedelta(hours=settings.TERGEU_BREAK_GLASS_HOURS),
        )
        official._tergeu_break_glass = None  # type: ignore[attr-defined]
        access_append(
            official,
            surface=surface,
            action="break_glass",
            case=case,
            detail={"reason": text, "until": grant.until.isoformat()},
            break_glass=True,
        )
        notifications_send(
            [
                Notification(
                    recipient_id=prosecutor,
                    case=case,
                    kind=NotificationKind.BREAK_GLASS,
                    message=MESSAGE,
                    params={
                        "official": official.get_full_name() or official.username,
                        "register_number": case.register_number,
                        "until": f"{grant.until.astimezone(clock.legal_zone()):%Y-%m-%d %H:%M}",
                        "reason": text[:200],
                    },
                    created_at=now,
                )
                for prosecutor in supervisors(case)
            ]
        )
    return grant


def supervisors(case: Case) -> list[int]:
    """Who is told of a break-glass read: the case's procedural prosecutor, or, when none is
    named yet, the prosecutors of its supervising office."""
    if case.procedural_prosecutor_id is not None:
        return [case.procedural_prosecutor_id]
    return list(
        Appointment.objects.filter(agency=case.supervising_office_id, role=Role.PROSECUTOR)
        .values_list("official_id", flat=True)
        .distinct()
    )
