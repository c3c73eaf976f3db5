"""The transactional outbox: rows written in the act's transaction, delivered after commit,
retried with a doubling pause and failed after the last attempt; participants' contacts; copies
of decisions to the victim; the notice of a detention to the family; and the daily
reconciliation of the duties to inform."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import translation

from tergeu import clock
from tergeu.cases.models import Case, Deadline
from tergeu.journal.services import act_append
from tergeu.notifications.contacts import contact_set
from tergeu.notifications.copies import family_notice_send
from tergeu.notifications.models import (
    Channel,
    Contact,
    DeliveryState,
    Notification,
    NotificationKind,
)
from tergeu.notifications.outbox import (
    CLAIM,
    DeliverySummary,
    notification_receipt,
    outbox_add,
    outbox_deliver,
    participant_notify,
    retry_pause,
)
from tergeu.notifications.reconcile import notifications_reconcile
from tergeu.notifications.services import notifications_mark_read, notify
from tergeu.notifications.sms import GatewayError, LocmemGateway, Sms
from tergeu.persons.models import Person
from tergeu.persons.services import person_get_or_create
from tests.conftest import VALID_IIN, VALID_IIN_2, ApiClient, World, open_case
from tests.test_refusals import assert_error, database_state

AT = datetime(2031, 3, 3, 6, 0, tzinfo=UTC)
VICTIM = f"iin:{VALID_IIN}"
SUSPECT = f"iin:{VALID_IIN_2}"
Callbacks = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]
pytestmark = pytest.mark.django_db


class BrokenGateway(LocmemGateway):
    """An operator that is down: every message fails."""

    def send(self, phone: str, text: str) -> None:
        raise GatewayError("operator unreachable")


class FlakyGateway(LocmemGateway):
    """Fails the first message it is given, then works."""

    failures = 1

    def send(self, phone: str, text: str) -> None:
        if FlakyGateway.failures:
            FlakyGateway.failures -= 1
            raise GatewayError("timeout")
        super().send(phone, text)


class ReceiptGateway(LocmemGateway):
    """Reports delivery later, by a receipt."""

    receipts = True


@pytest.fixture(autouse=True)
def _sms(settings: Any) -> Iterator[None]:
    settings.TERGEU_SMS_GATEWAY = "tergeu.notifications.sms.LocmemGateway"
    settings.TERGEU_OUTBOX_MAX_ATTEMPTS = 3
    settings.TERGEU_OUTBOX_RETRY_SECONDS = 60
    settings.TERGEU_PUBLIC_URL = "https://tergeu.example.kz"
    LocmemGateway.outbox.clear()
    FlakyGateway.failures = 1
    yield
    LocmemGateway.outbox.clear()


@pytest.fixture
def case(world: World) -> Case:
    with clock.frozen(AT):
        opened: Case = open_case(world, notes=0)
    return opened


@pytest.fixture
def victim(case: Case) -> Person:
    return Person.objects.get(iin=VALID_IIN)


def sms(**fields: Any) -> Notification:
    return outbox_add(
        **{
            "channel": Channel.SMS,
            "address": "+77011234567",
            "kind": NotificationKind.FAMILY_NOTICE,
            "message": "%(name)s was detained",
            "params": {"name": "T D"},
            **fields,
        }
    )


def test_a_row_is_written_in_the_transaction_and_delivered_after_commit(
    django_capture_on_commit_callbacks: Callbacks,
) -> None:
    with clock.frozen(AT), django_capture_on_commit_callbacks() as callbacks:
        row = outbox_add(
            channel=Channel.EMAIL,
            address="victim@example.kz",
            kind=NotificationKind.COPY,
            message="Case %(n)s: a copy",
            params={"n": "7"},
            language="en",
        )
        # Nothing leaves before the transaction commits.
        assert (row.state, row.attempts, mail.outbox) == (DeliveryState.QUEUED, 0, [])
        assert row.due_at == AT + timedelta(hours=24)

    assert len(callbacks) == 1
    with clock.frozen(AT + timedelta(seconds=5)):
        callbacks[0]()

    row.refresh_from_db()
    assert (row.state, row.attempts, row.delivered_at) == (
        DeliveryState.DELIVERED,
        1,
        AT + timedelta(seconds=5),
    )
    assert row.next_attempt_at is None
    (message,) = mail.outbox
    assert message.to == ["victim@example.kz"]
    assert message.body == "Case 7: a copy"
    assert message.subject == "A decision in your criminal case"


def test_a_rolled_back_transaction_sends_nothing(
    django_capture_on_commit_callbacks: Callbacks,
) -> None:
    def refused_act() -> None:
        with transaction.atomic():
            sms()
            raise RuntimeError("the act was refused")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        refused_act()
    assert callbacks == []
    assert not Notification.objects.exists()


def test_delivery_can_be_left_to_the_worker(
    settings: Any, django_capture_on_commit_callbacks: Callbacks
) -> None:
    settings.TERGEU_OUTBOX_DELIVER_AFTER_COMMIT = False
    with clock.frozen(AT), django_capture_on_commit_callbacks() as callbacks:
        row = sms()
    assert callbacks == []
    assert outbox_deliver(now=AT) == DeliverySummary(delivered=1)
    row.refresh_from_db()
    assert row.state == DeliveryState.DELIVERED


def test_the_delivery_after_commit_takes_only_its_own_rows(
    django_capture_on_commit_callbacks: Callbacks,
) -> None:
    with clock.frozen(AT):
        earlier = sms()  # queued outside the captured block: the worker's, not this commit's
        with django_capture_on_commit_callbacks(execute=True):
            mine = sms()
    earlier.refresh_from_db()
    mine.refresh_from_db()
    assert (earlier.state, mine.state) == (DeliveryState.QUEUED, DeliveryState.DELIVERED)
    assert LocmemGateway.outbox == [Sms("+77011234567", "T D was detained")]


def test_a_failing_gateway_is_retried_with_a_doubling_pause_then_failed(settings: Any) -> None:
    settings.TERGEU_SMS_GATEWAY = "tests.test_outbox.BrokenGateway"
    with clock.frozen(AT):
        row = sms()

    def attempt(at: datetime) -> DeliverySummary:
        summary = outbox_deliver(now=at)
        row.refresh_from_db()
        return summary

    assert attempt(AT) == DeliverySummary(retried=1)
    assert (row.state, row.attempts, row.next_attempt_at) == (
        "queued",
        1,
        AT + timedelta(seconds=60),
    )
    assert row.last_error == "GatewayError: operator unreachable"
    # Not before its time.
    assert attempt(AT + timedelta(seconds=59)) == DeliverySummary()
    assert attempt(AT + timedelta(seconds=60)) == DeliverySummary(retried=1)
    assert (row.attempts, row.next_attempt_at) == (2, AT + timedelta(seconds=60 + 120))
    # The third attempt is the last (TERGEU_OUTBOX_MAX_ATTEMPTS = 3).
    assert attempt(AT + timedelta(seconds=180)) == DeliverySummary(failed=1)
    assert (row.state, row.attempts, row.next_attempt_at) == ("failed", 3, None)
    assert attempt(AT + timedelta(days=1)) == DeliverySummary()
    assert row.attempts == 3
    assert LocmemGateway.outbox == []


def test_the_pause_doubles_up_to_six_hours(settings: Any) -> None:
    settings.TERGEU_OUTBOX_RETRY_SECONDS = 30
    assert [retry_pause(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_pause(40) == timedelta(hours=6)


def test_a_retry_delivers_once_the_gateway_recovers(settings: Any) -> None:
    settings.TERGEU_SMS_GATEWAY = "tests.test_outbox.FlakyGateway"
    with clock.frozen(AT):
        row = sms()
    assert outbox_deliver(now=AT) == DeliverySummary(retried=1)
    assert outbox_deliver(now=AT + timedelta(minutes=1)) == DeliverySummary(delivered=1)
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == ("delivered", 2, "")
    assert len(LocmemGateway.outbox) == 1


def test_a_claimed_row_is_not_taken_by_another_worker(settings: Any) -> None:
    """A worker that died after claiming a row leaves it to be tried again after the claim."""
    with clock.frozen(AT):
        row = sms()
    Notification.objects.filter(pk=row.pk).update(attempts=1, next_attempt_at=AT + CLAIM)
    assert outbox_deliver(now=AT + timedelta(minutes=1)) == DeliverySummary()
    assert outbox_deliver(now=AT + CLAIM) == DeliverySummary(delivered=1)


def test_a_gateway_with_receipts_leaves_the_message_sent_until_the_receipt(
    settings: Any,
) -> None:
    settings.TERGEU_SMS_GATEWAY = "tests.test_outbox.ReceiptGateway"
    with clock.frozen(AT):
        delivered, lost = sms(), sms()
    assert outbox_deliver(now=AT) == DeliverySummary(sent=2)
    delivered.refresh_from_db()
    lost.refresh_from_db()
    assert (delivered.state, delivered.delivered_at) == (DeliveryState.SENT, None)

    with clock.frozen(AT + timedelta(minutes=2)):
        notification_receipt(notification=delivered, delivered=True)
        notification_receipt(notification=lost, delivered=False, error="absent subscriber")
    delivered.refresh_from_db()
    lost.refresh_from_db()
    assert (delivered.state, delivered.delivered_at) == ("delivered", AT + timedelta(minutes=2))
    assert (lost.state, lost.last_error) == ("queued", "absent subscriber")
    assert lost.next_attempt_at == AT + timedelta(minutes=3)
    # A late second receipt changes nothing.
    notification_receipt(notification=delivered, delivered=False)
    assert Notification.objects.get(pk=delivered.pk).state == "delivered"


def test_the_worker_command_delivers_what_is_due() -> None:
    with clock.frozen(AT):
        sms()
        sms()
    out = StringIO()
    with clock.frozen(AT + timedelta(seconds=1)):
        call_command("outbox_deliver", stdout=out)
    assert out.getvalue().startswith("outbox: 2 delivered, 0 sent, 0 to retry, 0 failed")
    assert set(Notification.objects.values_list("state", flat=True)) == {"delivered"}


def test_a_participant_is_reached_by_the_channel_they_gave(
    world: World, case: Case, victim: Person, django_capture_on_commit_callbacks: Callbacks
) -> None:
    def tell(prefer: str) -> Notification:
        return participant_notify(
            person=victim, kind="copy", message="x", params={}, case=case, prefer=prefer
        )

    with django_capture_on_commit_callbacks() as callbacks:
        nobody = tell(Channel.EMAIL)
    assert (nobody.channel, nobody.state, nobody.last_error) == ("none", "failed", "no contact")
    assert callbacks == []  # nothing to deliver

    contact_set(actor=world.alice, case=case, person=victim, phone="8 701 123-45-67")
    assert (tell(Channel.EMAIL).channel, tell(Channel.EMAIL).address) == ("sms", "+77011234567")
    contact_set(
        actor=world.alice, case=case, person=victim, phone="+77011234567", email="d@example.kz"
    )
    assert (tell(Channel.EMAIL).channel, tell(Channel.SMS).channel) == ("email", "sms")


def test_inbox_messages_are_delivered_when_written_and_read_when_opened(
    world: World, case: Case
) -> None:
    with clock.frozen(AT):
        notify([world.alice.pk], kind="duty", message="m", case_id=case.pk)
    row = Notification.objects.get(recipient=world.alice, message="m")
    assert (row.channel, row.state, row.delivered_at, row.attempts) == (
        "inbox",
        "delivered",
        AT,
        0,
    )
    assert outbox_deliver(now=AT + timedelta(days=1)) == DeliverySummary()  # not the outbox's
    with clock.frozen(AT + timedelta(hours=1)):
        notifications_mark_read(actor=world.alice, ids=[row.pk])
    row.refresh_from_db()
    assert (row.state, row.read_at) == ("read", AT + timedelta(hours=1))


def test_the_migration_marks_old_inbox_rows_delivered_or_read(world: World, case: Case) -> None:
    with clock.frozen(AT):
        notify([world.alice.pk, world.hector.pk], kind="duty", message="old", case_id=case.pk)
    old = Notification.objects.filter(message="old")
    old.update(state="queued", delivered_at=None)
    old.filter(recipient=world.hector).update(read_at=AT)

    migration = importlib.import_module("tergeu.notifications.migrations.0002_outbox")
    migration.inbox_rows_delivered(apps, None)

    assert dict(old.values_list("recipient__username", "state")) == {
        "alice": "delivered",
        "hector": "read",
    }
    assert set(old.values_list("delivered_at", flat=True)) == {AT}


# --- contacts ---------------------------------------------------------------------------------


def test_contacts_are_set_through_the_api(world: World, case: Case, victim: Person) -> None:
    alice = ApiClient(world.alice)
    body = {"party": VICTIM, "phone": "+7 (701) 123 45 67", "email": "d@example.kz"}

    response = alice.post(f"/cases/{case.pk}/contacts", body | {"language": "kk"})

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "party": VICTIM,
        "phone": "+77011234567",
        "email": "d@example.kz",
        "language": "kk",
    }
    contact = Contact.objects.get(person=victim)
    assert (contact.phone, contact.updated_by) == ("+77011234567", world.alice)
    # Neither a phone nor an e-mail: the contact is forgotten.
    cleared = alice.post(f"/cases/{case.pk}/contacts", {"party": VICTIM})
    assert cleared.json()["phone"] == ""
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"party": VICTIM, "phone": "12345"}, 422, "invalid_phone"),
        ({"party": VICTIM, "phone": "+7701١٢٣٤٥٦٧"}, 422, "invalid_phone"),
        ({"party": VICTIM, "email": "not an address"}, 422, "invalid_email"),
        ({"party": VICTIM, "phone": "+77011234567", "language": "de"}, 422, "invalid_language"),
        ({"party": SUSPECT, "phone": "+77011234567"}, 422, "not_a_participant"),
    ],
)
def test_bad_contacts_are_refused_and_write_nothing(
    world: World, case: Case, body: dict[str, str], status: int, code: str
) -> None:
    person_get_or_create(iin=VALID_IIN_2, last_name="S", first_name="S")
    alice = ApiClient(world.alice)
    before = database_state()
    assert_error(alice.post(f"/cases/{case.pk}/contacts", body), status, code)
    assert database_state() == before


@pytest.mark.parametrize("name", ["ivan", "victor", "oscar", "adam"])
def test_who_may_not_see_the_case_cannot_set_a_contact(world: World, case: Case, name: str) -> None:
    client = ApiClient(getattr(world, name))
    before = database_state()
    body = {"party": VICTIM, "phone": "+77011234567"}
    assert_error(client.post(f"/cases/{case.pk}/contacts", body), 404, "case_not_found")
    assert database_state() == before


def test_an_official_who_does_not_admit_participants_cannot_keep_contacts(
    world: World, case: Case
) -> None:
    """Rita registered the case and sees it, but participants are admitted by the investigator,
    the head of unit or the prosecutor."""
    rita = ApiClient(world.rita)
    before = database_state()
    body = {"party": VICTIM, "phone": "+77011234567"}
    assert_error(rita.post(f"/cases/{case.pk}/contacts", body), 403, "role_not_allowed")
    assert database_state() == before


def test_a_contact_given_at_admission_is_kept_outside_the_journal(world: World, case: Case) -> None:
    alice = ApiClient(world.alice)
    admitted = alice.post(
        f"/cases/{case.pk}/acts",
        {
            "kind": "participant_admission",
            "payload": {"role": "applicant", "phone": "+77017654321", "email": "a@example.kz"},
            "person": {"iin": VALID_IIN_2, "last_name": "A", "first_name": "A"},
        },
    )
    assert admitted.status_code == 201, admitted.json()
    assert admitted.json()["payload"] == {"party": SUSPECT, "role": "applicant"}
    contact = Contact.objects.get(person__iin=VALID_IIN_2)
    assert (contact.phone, contact.email, contact.updated_by) == (
        "+77017654321",
        "a@example.kz",
        world.alice,
    )


@pytest.mark.parametrize(
    ("payload", "party", "code"),
    [
        ({"role": "applicant", "phone": "123"}, "person", "invalid_phone"),
        ({"role": "applicant", "email": "a@"}, "person", "invalid_email"),
        ({"role": "civil_plaintiff", "email": "a@example.kz"}, "entity", "invalid_payload"),
    ],
)
def test_a_bad_contact_at_admission_admits_nobody(
    world: World, case: Case, payload: dict[str, str], party: str, code: str
) -> None:
    alice = ApiClient(world.alice)
    who = (
        {"person": {"iin": VALID_IIN_2, "last_name": "A", "first_name": "A"}}
        if party == "person"
        else {"entity": {"bin": "990740000128", "name": "LLP"}}
    )
    before = database_state()
    response = alice.post(
        f"/cases/{case.pk}/acts", {"kind": "participant_admission", "payload": payload, **who}
    )
    assert_error(response, 422, code)
    assert database_state() == before


# --- copies to the victim ---------------------------------------------------------------------


def terminate(world: World, case: Case) -> int:
    with clock.frozen(AT + timedelta(days=1)):
        termination = act_append(
            case=case,
            kind="termination",
            actor=world.alice,
            payload={"ground": "no corpus delicti", "rehabilitating": True},
        )
    return termination.seq


def test_the_victim_receives_a_copy_of_an_approved_termination(
    world: World, case: Case, victim: Person, django_capture_on_commit_callbacks: Callbacks
) -> None:
    contact_set(actor=world.alice, case=case, person=victim, email="d@example.kz", language="en")
    seq = terminate(world, case)
    # Awaiting the prosecutor's approval: no copy yet.
    assert not Notification.objects.filter(kind="copy").exists()

    with clock.frozen(AT + timedelta(days=2)), django_capture_on_commit_callbacks(execute=True):
        act_append(
            case=case,
            kind="decision",
            actor=world.petra,
            payload={"request": seq, "outcome": "granted"},
        )

    copy = Notification.objects.get(kind="copy")
    assert (copy.person, copy.case_id, copy.act_seq, copy.subject) == (victim, case.pk, seq, VICTIM)
    assert (copy.channel, copy.address, copy.state) == ("email", "d@example.kz", "delivered")
    assert copy.params["article"] == "289"
    assert copy.due_at == AT + timedelta(days=3)
    (message,) = mail.outbox
    assert message.to == ["d@example.kz"]
    assert case.register_number in message.body
    assert "Termination (prosecutor's approval) of 2031-03-05" in message.body
    assert "https://tergeu.example.kz/status/" in message.body


def test_a_refused_termination_sends_no_copy(world: World, case: Case, victim: Person) -> None:
    contact_set(actor=world.alice, case=case, person=victim, email="d@example.kz")
    seq = terminate(world, case)
    with clock.frozen(AT + timedelta(days=2)):
        act_append(
            case=case,
            kind="decision",
            actor=world.petra,
            payload={"request": seq, "outcome": "refused", "reasons": "investigate further"},
        )
    assert not Notification.objects.filter(kind="copy").exists()


def test_a_victim_without_a_contact_is_on_record_as_not_reached(world: World, case: Case) -> None:
    seq = terminate(world, case)
    with clock.frozen(AT + timedelta(days=2)):
        act_append(
            case=case,
            kind="decision",
            actor=world.petra,
            payload={"request": seq, "outcome": "granted"},
        )
    copy = Notification.objects.get(kind="copy")
    assert (copy.channel, copy.state, copy.address) == ("none", "failed", "")

    with clock.frozen(AT + timedelta(days=3, hours=1)), translation.override("en"):
        missed = [m for m in notifications_reconcile() if m.source.startswith("notification")]
    assert [(m.register_number, m.article, m.met_at) for m in missed] == [
        (case.register_number, "289", None)
    ]
    assert "no contact" in missed[0].duty


# --- the family of a detained person ----------------------------------------------------------


def detain(world: World, case: Case, at: datetime) -> None:
    person_get_or_create(iin=VALID_IIN_2, last_name="Suspect", first_name="Serik")
    with clock.frozen(at):
        act_append(
            case=case,
            kind="detention",
            actor=world.alice,
            payload={
                "party": SUSPECT,
                "detained_at": (at - timedelta(hours=1)).isoformat(),
                "minor": False,
                "grounds": "caught in the act",
            },
        )


def test_the_family_is_told_of_a_detention(
    world: World, case: Case, django_capture_on_commit_callbacks: Callbacks
) -> None:
    detain(world, case, AT + timedelta(hours=1))
    with clock.frozen(AT + timedelta(hours=2)), django_capture_on_commit_callbacks(execute=True):
        rows = family_notice_send(
            actor=world.alice,
            case=case,
            party=SUSPECT,
            phone="+77017654321",
            email="family@example.kz",
            language="en",
        )
    states = [(r.channel, Notification.objects.get(pk=r.pk).state) for r in rows]
    assert states == [("sms", "delivered"), ("email", "delivered")]
    assert mail.outbox[0].to == ["family@example.kz"]
    ((phone, text),) = [(s.phone, s.text) for s in LocmemGateway.outbox]
    assert phone == "+77017654321"
    # 06:00 UTC is 11:00 in Almaty (+05): detained an hour before the protocol at 07:00 UTC.
    assert text.startswith(
        f"Suspect Serik was detained on 2031-03-03 11:00 (case {case}, Almaly police department)"
    )
    assert "article 135" in text


@pytest.mark.parametrize(
    ("who", "party", "phone", "code"),
    [
        ("alice", VICTIM, "+77017654321", "not_detained"),
        ("alice", SUSPECT, "", "address_required"),
        ("alice", SUSPECT, "0701", "invalid_phone"),
        ("rita", SUSPECT, "+77017654321", "role_not_allowed"),
    ],
)
def test_a_family_notice_is_refused_without_a_detention_an_address_or_the_role(
    world: World, case: Case, who: str, party: str, phone: str, code: str
) -> None:
    detain(world, case, AT + timedelta(hours=1))
    client = ApiClient(getattr(world, who))
    before = database_state()
    response = client.post(f"/cases/{case.pk}/family-notices", {"party": party, "phone": phone})
    assert_error(response, 403 if code == "role_not_allowed" else 422, code)
    assert database_state() == before


def test_a_family_notice_through_the_api(world: World, case: Case) -> None:
    detain(world, case, AT + timedelta(hours=1))
    response = ApiClient(world.alice).post(
        f"/cases/{case.pk}/family-notices", {"party": SUSPECT, "phone": "+77017654321"}
    )
    assert response.status_code == 201, response.json()
    (item,) = response.json()["items"]
    assert (item["channel"], item["address"], item["state"]) == ("sms", "+77017654321", "queued")
    assert_error(
        ApiClient(world.ivan).post(
            f"/cases/{case.pk}/family-notices", {"party": SUSPECT, "phone": "+77017654321"}
        ),
        404,
        "case_not_found",
    )


# --- the inbox through the API ----------------------------------------------------------------


def test_the_inbox_is_the_officials_own(world: World, case: Case) -> None:
    Notification.objects.all().delete()
    with clock.frozen(AT):
        notify([world.alice.pk], kind="duty", message="for alice", case_id=case.pk)
        notify([world.petra.pk], kind="duty", message="for petra", case_id=case.pk)
    alice, petra, oscar = (ApiClient(p) for p in (world.alice, world.petra, world.oscar))

    mine = alice.get("/me/notifications").json()
    assert [(i["text"], i["register_number"]) for i in mine["items"]] == [
        ("for alice", case.register_number)
    ]
    assert oscar.get("/me/notifications").json() == {
        "count": 0,
        "limit": 50,
        "offset": 0,
        "items": [],
    }
    petras = Notification.objects.get(recipient=world.petra).pk
    # Another official's notification is not hers to mark.
    assert alice.post("/me/notifications/read", {"ids": [petras]}).json() == {"marked": 0}
    assert alice.post("/me/notifications/read", {}).json() == {"marked": 1}
    assert alice.get("/me/notifications", unread=True).json()["count"] == 0
    assert petra.get("/me/notifications", unread=True).json()["count"] == 1


# --- the daily reconciliation -----------------------------------------------------------------


def r01_due(case: Case) -> datetime:
    due: datetime = Deadline.objects.get(case=case, rule="R01").due_at
    return due


def test_a_prosecutor_not_told_of_a_registration_is_reported(world: World, case: Case) -> None:
    due = r01_due(case)
    with clock.frozen(due + timedelta(hours=1)), translation.override("en"):
        missed = notifications_reconcile()
    (r01,) = [m for m in missed if m.source == "R01"]
    assert (r01.case_id, r01.article, r01.due_at, r01.met_at) == (case.pk, "179(1)", due, None)
    assert r01.duty == "notify the prosecutor of the start of the pre-trial investigation"

    # Met late: still reported for the day it was due, with the moment it was met.
    with clock.frozen(due + timedelta(hours=2)):
        act_append(case=case, kind="prosecutor_notice", actor=world.alice, payload={})
    with clock.frozen(due + timedelta(hours=3)):
        (late,) = [m for m in notifications_reconcile() if m.source == "R01"]
    assert late.met_at == due + timedelta(hours=2)
    # A week later it is no longer news.
    with clock.frozen(due + timedelta(days=7)):
        assert not [m for m in notifications_reconcile() if m.source == "R01"]


def test_a_prosecutor_told_in_time_is_not_reported(world: World, case: Case) -> None:
    due = r01_due(case)
    with clock.frozen(due - timedelta(hours=1)):
        act_append(case=case, kind="prosecutor_notice", actor=world.alice, payload={})
    with clock.frozen(due + timedelta(hours=1)):
        assert not [m for m in notifications_reconcile() if m.source == "R01"]


def test_a_family_not_told_of_a_detention_is_reported(world: World, case: Case) -> None:
    detained = AT + timedelta(hours=1)
    detain(world, case, detained)
    with clock.frozen(detained + timedelta(hours=4)), translation.override("en"):
        missed = [m for m in notifications_reconcile() if m.article == "135"]
    assert [(m.register_number, m.due_at, m.met_at) for m in missed] == [
        (case.register_number, detained + timedelta(hours=3), None)
    ]
    assert missed[0].duty == "inform the family or relatives of the detention"


def test_a_family_told_in_time_is_not_reported_and_one_told_late_is(
    world: World, case: Case
) -> None:
    detained = AT + timedelta(hours=1)
    detain(world, case, detained)
    with clock.frozen(detained + timedelta(hours=2)):
        family_notice_send(actor=world.alice, case=case, party=SUSPECT, phone="+77017654321")
    with clock.frozen(detained + timedelta(hours=4)):
        assert not [m for m in notifications_reconcile() if m.article == "135"]

    Notification.objects.filter(kind="family_notice").update(
        created_at=detained + timedelta(hours=5)
    )
    with clock.frozen(detained + timedelta(hours=6)):
        (late,) = [m for m in notifications_reconcile() if m.article == "135"]
    assert late.met_at == detained + timedelta(hours=5)


def test_an_undelivered_message_is_reported_after_its_term(settings: Any) -> None:
    settings.TERGEU_SMS_GATEWAY = "tests.test_outbox.BrokenGateway"
    with clock.frozen(AT):
        failing = sms(params={"name": "x", "article": "135"})
        delivered = sms()
    Notification.objects.filter(pk=delivered.pk).update(
        state="delivered", delivered_at=AT + timedelta(minutes=1)
    )
    outbox_deliver(now=AT)
    with clock.frozen(AT + timedelta(hours=23)):
        assert notifications_reconcile() == []  # within its term
    with clock.frozen(AT + timedelta(hours=25)), translation.override("en"):
        (missed,) = notifications_reconcile()
    assert missed.source == f"notification #{failing.pk} (queued)"
    assert missed.article == "135"
    assert "+77011234567" in missed.duty
    assert "operator unreachable" in missed.duty


def test_the_reconciliation_command_prints_a_report(world: World, case: Case) -> None:
    out = StringIO()
    with clock.frozen(r01_due(case) + timedelta(hours=1)), translation.override("en"):
        call_command("notifications_reconcile", stdout=out)
    text = out.getvalue()
    assert text.splitlines()[0].endswith(": 1")
    assert f"case {case.register_number}, art. 179(1): notify the prosecutor" in text
    assert "not met [R01]" in text
