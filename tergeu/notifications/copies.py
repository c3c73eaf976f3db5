"""What the law says people outside the system must receive (DOMAIN-KZ §9.3), sent through the
outbox: copies of the decisions that concern the victim (termination, the indictment and the
other ways a case goes to court, the verdict) and the notice of a detention to the family of the
detained person (art. 135)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tergeu import clock
from tergeu.accounts.models import Official
from tergeu.cases import law
from tergeu.cases.models import Case, Participant, ParticipantRole
from tergeu.errors import InvalidInput
from tergeu.journal.models import Act
from tergeu.notifications.contacts import (
    contact_keeper_require,
    email_clean,
    language_clean,
    phone_clean,
)
from tergeu.notifications.models import Channel, Notification, NotificationKind
from tergeu.notifications.outbox import outbox_add, participant_notify
from tergeu.persons.models import Person
from tergeu.procedure.engine import Verdict

# The engine's events after which a decision the victim receives a copy of is final, with the
# article that says so. An act that needs approval is copied when it is granted ("….granted");
# the copy is of the act approved.
COPY_EVENTS = {
    "termination": "289",  # in force at once: a rehabilitating ground before 384-VI
    "termination.granted": "289",
    "indictment.granted": "304",
    "completion_report.granted": "304",
    "accusation_protocol.granted": "192-2(7)",
    "accelerated_protocol.granted": "190(8)",
    "writ_order.granted": "629-3(4)",
    "writ_verdict": "629-6(1)",
    "verdict": "404",
}
COPY_MESSAGE = gettext_noop(
    "Case %(register_number)s: %(decision)s of %(date)s (art. %(article)s of the Criminal "
    "Procedure Code) concerns you as the victim. See it on the status page: %(url)s"
)
FAMILY_MESSAGE = gettext_noop(
    "%(name)s was detained on %(detained_at)s (case %(register_number)s, %(agency)s). You are "
    "told of it under article 135 of the Criminal Procedure Code."
)


def status_page_url() -> str:
    return f"{settings.TERGEU_PUBLIC_URL.rstrip('/')}/status/"


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(clock.legal_zone()):%Y-%m-%d %H:%M}"


def victim_copies_send(*, case: Case, act: Act, verdict: Verdict) -> list[Notification]:
    """Send every victim of `case` a copy of the decision `act` made final, if it made one;
    called by `act_append` in the act's transaction. A victim without a contact is on record
    as not reached (the copy is then handed over on paper)."""
    copies: list[Notification] = []
    for event in verdict.events:
        article = COPY_EVENTS.get(event)
        if article is None:
            continue
        if "." in event:
            kind, seq = event.split(".")[0], int(act.payload["request"])
        elif verdict.rule is not None and verdict.rule.chain:
            continue  # it awaits approval: the copy follows the approval
        else:
            kind, seq = act.kind, act.seq
        copies += _copies(case, act, kind=kind, seq=seq, article=article)
    return copies


def _copies(case: Case, act: Act, *, kind: str, seq: int, article: str) -> list[Notification]:
    victims = Participant.objects.filter(
        case=case, role=ParticipantRole.VICTIM, person__isnull=False
    ).select_related("person")
    params = {
        "register_number": case.register_number,
        "decision": law.pack().acts[kind][-1].label,  # the msgid of the kind's title
        "act_kind": kind,
        "date": f"{act.performed_at.astimezone(clock.legal_zone()):%Y-%m-%d}",
        "article": article,
        "url": status_page_url(),
    }
    return [
        participant_notify(
            person=victim.person,
            kind=NotificationKind.COPY,
            message=COPY_MESSAGE,
            params=params,
            case=case,
            act_seq=seq,
            subject=victim.party,
        )
        for victim in victims
        if victim.person is not None
    ]


def family_notice_send(
    *,
    actor: Official,
    case: Case,
    party: str,
    phone: str = "",
    email: str = "",
    language: str = "",
) -> list[Notification]:
    """Tell the family or relatives of a person detained in `case` of the detention (art. 135),
    at the phone and/or e-mail given; one message per address. Refused (nothing written) for an
    official who does not conduct or supervise the case, a person not detained in it, or no
    valid address."""
    contact_keeper_require(actor, case)
    detention = (
        Act.objects.filter(case=case, kind="detention", payload__party=party)
        .order_by("-seq")
        .first()
    )
    person = Person.objects.filter(iin=party.removeprefix("iin:")).first()
    if detention is None or person is None:
        raise InvalidInput(
            _("No one was detained in this case under this identifier."),
            code="not_detained",
            details={"party": party},
        )
    language = language_clean(language)
    addresses = [(Channel.SMS, phone_clean(phone)), (Channel.EMAIL, email_clean(email))]
    addresses = [(channel, address) for channel, address in addresses if address]
    if not addresses:
        raise InvalidInput(_("Give a phone number or an e-mail address."), code="address_required")
    params = {
        "name": person.full_name,
        "detained_at": _local(datetime.fromisoformat(detention.payload["detained_at"])),
        "register_number": case.register_number,
        "agency": case.investigation_unit.name,
    }
    with transaction.atomic():
        return [
            outbox_add(
                channel=channel,
                address=address,
                kind=NotificationKind.FAMILY_NOTICE,
                message=FAMILY_MESSAGE,
                params=params,
                case=case,
                subject=party,
                act_seq=detention.seq,
                language=language,
            )
            for channel, address in addresses
        ]
