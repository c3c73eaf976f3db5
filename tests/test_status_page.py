"""The citizens' status page: register number + IIN → a one-time code by SMS or e-mail → the
case's stage and the copies sent to the person, nothing else. The same answer whether or not the
case or the person exists; codes hashed at rest, single use, short-lived and limited in tries;
requests limited per IIN and per client; the access expires with the session's time."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from tergeu import clock
from tergeu.cases.models import Case
from tergeu.cases.services import participant_admit
from tergeu.errors import InvalidInput
from tergeu.journal.services import act_append
from tergeu.notifications.contacts import contact_set
from tergeu.notifications.models import Notification, NotificationKind
from tergeu.notifications.outbox import outbox_deliver
from tergeu.notifications.sms import LocmemGateway
from tergeu.persons.models import Person
from tergeu.public.models import CodeRequest, OneTimeCode, StatusView
from tergeu.public.services import status_code_check, status_code_request
from tests.conftest import VALID_IIN, VALID_IIN_2, World, open_case
from tests.test_refusals import database_state

AT = datetime(2031, 3, 3, 6, 0, tzinfo=UTC)
PHONE = "+77011234567"
Callbacks = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture(autouse=True)
def _settings(settings: Any) -> Iterator[None]:
    settings.TERGEU_SMS_GATEWAY = "tergeu.notifications.sms.LocmemGateway"
    settings.TERGEU_STATUS_CODE_MINUTES = 5
    settings.TERGEU_STATUS_SESSION_MINUTES = 15
    settings.TERGEU_STATUS_LIMIT_PER_IIN = 3
    settings.TERGEU_STATUS_LIMIT_PER_IP = 10
    settings.TERGEU_STATUS_LIMIT_WINDOW_MINUTES = 60
    LocmemGateway.outbox.clear()
    with translation.override("en"):
        yield
    LocmemGateway.outbox.clear()


@pytest.fixture
def case(world: World) -> Case:
    """Alice's case with the victim (VALID_IIN), who gave a phone, and a witness who did too."""
    with clock.frozen(AT):
        opened: Case = open_case(world, notes=0)
        participant_admit(
            case=opened,
            actor=world.alice,
            role="witness",
            iin=VALID_IIN_2,
            last_name="W",
            first_name="W",
        )
        for iin in (VALID_IIN, VALID_IIN_2):
            contact_set(
                actor=world.alice,
                case=opened,
                person=Person.objects.get(iin=iin),
                phone=PHONE,
                language="en",
            )
    return opened


class Visitor:
    """A browser on the status page, from one client address."""

    def __init__(self, callbacks: Callbacks, address: str = "10.0.0.1") -> None:
        self.client = Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
        self.callbacks = callbacks

    def ask(self, register_number: str, iin: str, at: datetime = AT) -> Any:
        with clock.frozen(at), self.callbacks(execute=True):
            return self.client.post("/status/", {"register_number": register_number, "iin": iin})

    def enter(self, code: str, at: datetime = AT) -> Any:
        with clock.frozen(at):
            return self.client.post("/status/code/", {"code": code})

    def page(self, at: datetime = AT) -> Any:
        with clock.frozen(at):
            return self.client.get("/status/case/")


@pytest.fixture
def visitor(django_capture_on_commit_callbacks: Callbacks) -> Visitor:
    return Visitor(django_capture_on_commit_callbacks)


def sent_code() -> str:
    """The code in the last code message sent."""
    message = [m for m in LocmemGateway.outbox if m.text.startswith("Your code")][-1]
    found = re.search(r"\b([0-9]{6})\b", message.text)
    assert found is not None, message.text
    return found.group(1)


def test_a_victim_sees_the_stage_and_the_copies_sent_to_them(
    world: World, case: Case, visitor: Visitor
) -> None:
    asked = visitor.ask(case.register_number, VALID_IIN)
    assert (asked.status_code, asked["Location"]) == (302, "/status/code/")
    assert LocmemGateway.outbox[0].phone == PHONE
    code = sent_code()
    # Hashed at rest; and the message in the outbox no longer holds it once delivered.
    otp = OneTimeCode.objects.get()
    assert code not in otp.code_hash
    assert Notification.objects.get(kind="one_time_code").params["code"] == "******"

    entered = visitor.enter(code)
    assert (entered.status_code, entered["Location"]) == (302, "/status/case/")
    page = visitor.page()

    assert page.status_code == 200
    text = page.content.decode()
    assert case.register_number in text
    assert "Under investigation" in text
    assert "No decision has been sent to you yet." in text
    # Nothing else of the case: not its summary, not its officials.
    assert "wallet" not in text
    assert world.alice.first_name not in text
    assert StatusView.objects.get().person.iin == VALID_IIN


def test_the_copies_are_listed_and_never_covert_material(
    world: World, case: Case, visitor: Visitor
) -> None:
    with clock.frozen(AT + timedelta(days=1)):
        termination = act_append(
            case=case,
            kind="termination",
            actor=world.alice,
            payload={"ground": "no corpus delicti", "rehabilitating": True},
        )
        act_append(
            case=case,
            kind="decision",
            actor=world.petra,
            payload={"request": termination.seq, "outcome": "granted"},
        )
    outbox_deliver(now=AT + timedelta(days=1))
    victim = Person.objects.get(iin=VALID_IIN)
    # A row naming a covert act, whatever put it there, is not shown.
    Notification.objects.create(
        channel="sms",
        address=PHONE,
        kind=NotificationKind.COPY,
        message="x",
        params={"decision": "Covert investigative action: termination", "act_kind": "covert_end"},
        case=case,
        person=victim,
        created_at=AT,
    )
    later = AT + timedelta(days=2)
    visitor.ask(case.register_number, VALID_IIN, at=later)
    visitor.enter(sent_code(), at=later)

    text = visitor.page(at=later).content.decode()

    assert "Termination (prosecutor&#x27;s approval)" in text
    assert "2031-03-04" in text
    assert "Terminated" in text
    assert "Covert" not in text
    copy = Notification.objects.get(kind="copy", act_seq=termination.seq)
    assert (copy.state, copy.read_at) == ("read", later)  # the person has opened it


def without_token(content: bytes) -> bytes:
    """A page without its CSRF token (masked differently on every response)."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


def test_the_answer_is_the_same_whether_or_not_case_and_person_exist(
    case: Case, django_capture_on_commit_callbacks: Callbacks
) -> None:
    """A participant, a witness (no status page), an IIN not in the case, a case that does not
    exist: the same redirect and the same code page; a code only for the first."""
    answers: list[tuple[Any, ...]] = []
    for register_number, iin in [
        (case.register_number, VALID_IIN),
        (case.register_number, VALID_IIN_2),  # a witness of the case
        (case.register_number, "880101300030"),  # valid, in no case
        ("999999999999999", VALID_IIN),
    ]:
        visitor = Visitor(django_capture_on_commit_callbacks, address=f"10.0.1.{len(answers)}")
        asked = visitor.ask(register_number, iin)
        with clock.frozen(AT):
            page = visitor.client.get("/status/code/")
        wrong = visitor.enter("000000")
        answers.append(
            (
                asked.status_code,
                asked["Location"],
                page.status_code,
                without_token(page.content),
                wrong.status_code,
                without_token(wrong.content),
            )
        )
    assert len(set(answers)) == 1
    assert len(LocmemGateway.outbox) == 1
    assert CodeRequest.objects.count() == 4
    assert OneTimeCode.objects.count() == 1


def test_a_wrong_code_is_refused_and_counted(case: Case, visitor: Visitor) -> None:
    visitor.ask(case.register_number, VALID_IIN)
    code = sent_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    refused = visitor.enter(wrong)

    assert refused.status_code == 422
    assert "The code is wrong or no longer valid." in refused.content.decode()
    assert OneTimeCode.objects.get().wrong_tries == 1
    assert visitor.page()["Location"] == "/status/"


def test_five_wrong_tries_end_a_code(case: Case, visitor: Visitor) -> None:
    visitor.ask(case.register_number, VALID_IIN)
    code = sent_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert visitor.enter(wrong).status_code == 422
    assert visitor.enter(code).status_code == 422
    assert visitor.page().status_code == 302


def test_an_expired_code_is_refused(case: Case, visitor: Visitor) -> None:
    visitor.ask(case.register_number, VALID_IIN)
    code = sent_code()
    assert visitor.enter(code, at=AT + timedelta(minutes=5)).status_code == 422
    otp = OneTimeCode.objects.get()
    assert (otp.used_at, otp.wrong_tries) == (None, 0)
    with clock.frozen(AT + timedelta(minutes=5)), pytest.raises(InvalidInput) as refused:
        status_code_check(code_id=otp.pk, code=code)
    assert refused.value.code == "code_expired"  # the view's message is the same for every case


def test_a_code_works_once(case: Case, visitor: Visitor) -> None:
    visitor.ask(case.register_number, VALID_IIN)
    code = sent_code()
    otp = OneTimeCode.objects.get()
    with clock.frozen(AT + timedelta(minutes=1)):
        access = status_code_check(code_id=otp.pk, code=code)
        assert (access.case_id, access.until) == (case.pk, AT + timedelta(minutes=16))
        with pytest.raises(InvalidInput) as reused:
            status_code_check(code_id=otp.pk, code=code)
    assert reused.value.code == "code_used"
    assert visitor.enter(code, at=AT + timedelta(minutes=2)).status_code == 422


def test_the_access_expires(case: Case, visitor: Visitor) -> None:
    visitor.ask(case.register_number, VALID_IIN)
    visitor.enter(sent_code())
    assert visitor.page(at=AT + timedelta(minutes=14)).status_code == 200

    expired = visitor.page(at=AT + timedelta(minutes=15))

    assert (expired.status_code, expired["Location"]) == (302, "/status/")
    assert visitor.page(at=AT).status_code == 302  # it is gone from the session, not hidden
    assert StatusView.objects.count() == 1


def test_leaving_ends_the_access(case: Case, visitor: Visitor) -> None:
    visitor.ask(case.register_number, VALID_IIN)
    visitor.enter(sent_code())
    assert visitor.client.post("/status/end/").status_code == 302
    assert visitor.page().status_code == 302


def test_a_person_no_longer_in_the_case_loses_the_access(case: Case, visitor: Visitor) -> None:
    visitor.ask(case.register_number, VALID_IIN)
    visitor.enter(sent_code())
    case.participants.filter(party=f"iin:{VALID_IIN}").update(role="witness")
    assert visitor.page().status_code == 302


def test_codes_are_limited_per_iin(
    case: Case, django_capture_on_commit_callbacks: Callbacks
) -> None:
    visitors = [Visitor(django_capture_on_commit_callbacks, f"10.0.2.{n}") for n in range(4)]
    for n in range(3):
        assert visitors[n].ask(case.register_number, VALID_IIN).status_code == 302
    before = database_state()

    limited = visitors[3].ask(case.register_number, VALID_IIN, at=AT + timedelta(minutes=1))

    assert limited.status_code == 429
    text = limited.content.decode()
    assert "Too many requests for a code. Try again after 12:00." in text  # 06:00 UTC + 1 h
    assert database_state() == before
    assert len(LocmemGateway.outbox) == 3
    # Another IIN from the same client is not affected; this one is again after the window.
    assert visitors[3].ask(case.register_number, VALID_IIN_2).status_code == 302
    later = AT + timedelta(hours=1, seconds=1)
    assert visitors[3].ask(case.register_number, VALID_IIN, at=later).status_code == 302


def test_codes_are_limited_per_client(
    settings: Any, case: Case, django_capture_on_commit_callbacks: Callbacks
) -> None:
    settings.TERGEU_STATUS_LIMIT_PER_IP = 2
    visitor = Visitor(django_capture_on_commit_callbacks, "10.0.3.1")
    other = Visitor(django_capture_on_commit_callbacks, "10.0.3.2")
    assert visitor.ask("111111111111", VALID_IIN).status_code == 302
    assert visitor.ask("222222222222", VALID_IIN_2).status_code == 302
    assert visitor.ask(case.register_number, VALID_IIN).status_code == 429
    assert other.ask(case.register_number, VALID_IIN).status_code == 302
    assert CodeRequest.objects.count() == 3


def test_the_proxy_header_names_the_client_when_configured(
    settings: Any, case: Case, django_capture_on_commit_callbacks: Callbacks
) -> None:
    settings.TERGEU_STATUS_LIMIT_PER_IP = 1
    settings.TERGEU_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    proxy = Visitor(django_capture_on_commit_callbacks, "10.0.4.1")  # every request via it
    for n, (iin, expected) in enumerate([(VALID_IIN, 302), (VALID_IIN_2, 302)]):
        with clock.frozen(AT), django_capture_on_commit_callbacks(execute=True):
            response = proxy.client.post(
                "/status/",
                {"register_number": case.register_number, "iin": iin},
                headers={"X-Real-IP": f"192.0.2.{n}"},
            )
        assert response.status_code == expected


@pytest.mark.parametrize(
    ("register_number", "iin"),
    [
        ("12345", VALID_IIN),  # too short
        ("12345678901a", VALID_IIN),
        ("123456789012", "90010130001"),  # 11 digits
        ("123456789012", "900101300018"),  # wrong check digit
        ("123456789012", "９００１０１３０００１７"),  # full-width digits
    ],
)
def test_bad_input_is_refused_and_writes_nothing(
    case: Case, visitor: Visitor, register_number: str, iin: str
) -> None:
    before = database_state()
    response = visitor.ask(register_number, iin)
    assert response.status_code == 422
    assert database_state() == before
    assert LocmemGateway.outbox == []
    assert visitor.client.get("/status/code/")["Location"] == "/status/"


def test_a_malformed_code_writes_nothing(case: Case, visitor: Visitor) -> None:
    visitor.ask(case.register_number, VALID_IIN)
    before = database_state()
    assert visitor.enter("12345").status_code == 422
    assert visitor.enter("abcdef").status_code == 422
    assert database_state() == before
    assert OneTimeCode.objects.get().wrong_tries == 0


def test_a_code_goes_by_email_when_no_phone_was_given(world: World, case: Case) -> None:
    victim = Person.objects.get(iin=VALID_IIN)
    contact_set(actor=world.alice, case=case, person=victim, email="d@example.kz")
    with clock.frozen(AT):
        code_id = status_code_request(
            register_number=case.register_number, iin=VALID_IIN, client="10.0.5.1"
        )
    assert code_id == OneTimeCode.objects.get().pk
    row = Notification.objects.get(kind="one_time_code")
    assert (row.channel, row.address) == ("email", "d@example.kz")
    assert mail.outbox == []  # delivered after commit, by the callback or the worker


def test_a_participant_without_a_contact_gets_no_code(world: World, case: Case) -> None:
    contact_set(actor=world.alice, case=case, person=Person.objects.get(iin=VALID_IIN))
    with clock.frozen(AT):
        assert (
            status_code_request(
                register_number=case.register_number, iin=VALID_IIN, client="10.0.5.2"
            )
            is None
        )
    assert not OneTimeCode.objects.exists()
    assert not Notification.objects.filter(kind="one_time_code").exists()


def test_the_code_page_needs_a_request_first(db: None) -> None:
    client = Client()
    assert client.get("/status/code/")["Location"] == "/status/"
    assert client.get("/status/case/")["Location"] == "/status/"
    assert client.get("/status/").status_code == 200
