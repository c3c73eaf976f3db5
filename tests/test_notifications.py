"""Notifications: written once per (recipient, deadline, kind), read only by their recipient,
translated when shown."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import translation

from tergeu import clock
from tergeu.cases.deadlines import FORWARD_AUDIT
from tergeu.cases.models import Case, Deadline
from tergeu.notifications.models import Notification, NotificationKind
from tergeu.notifications.selectors import inbox
from tergeu.notifications.services import notifications_mark_read, notify
from tests.conftest import World, open_case

AT = datetime(2031, 3, 3, 6, 0, tzinfo=UTC)
DUTY_MESSAGE = "Deadline %(rule)s is due: %(duty)s"


@pytest.fixture
def case(world: World) -> Case:
    case: Case = open_case(world, notes=0)
    Notification.objects.all().delete()  # the acts' own notices: each test counts only its own
    return case


@pytest.fixture
def deadline(case: Case) -> Deadline:
    return Deadline.objects.create(
        case=case,
        rule="R39",
        article="131(2)",
        duty="bring the detained suspect before the investigating judge",
        started_at=AT,
        due_at=AT,
        state="running",
    )


def tell(
    recipients: list[int],
    *,
    kind: str = NotificationKind.DUTY,
    case_id: int | None = None,
    deadline_id: int | None = None,
) -> int:
    return notify(
        recipients,
        kind=kind,
        message=DUTY_MESSAGE,
        params={"rule": "R03", "duty": FORWARD_AUDIT.duty},
        case_id=case_id,
        deadline_id=deadline_id,
    )


def test_notify_writes_one_row_per_recipient(world: World, case: Case) -> None:
    with clock.frozen(AT):
        written = tell([world.alice.pk, world.hector.pk, world.alice.pk], case_id=case.pk)

    assert written == 2
    rows = Notification.objects.order_by("recipient_id")
    assert [(n.recipient_id, n.case_id, n.kind, n.created_at) for n in rows] == [
        (world.alice.pk, case.pk, "duty", AT),
        (world.hector.pk, case.pk, "duty", AT),
    ]


def test_notify_tells_an_official_of_a_deadline_once_per_kind(
    world: World, deadline: Deadline
) -> None:
    assert tell([world.alice.pk], deadline_id=deadline.pk) == 1

    assert tell([world.alice.pk, world.hector.pk], deadline_id=deadline.pk) == 1  # Hector only
    assert tell([world.alice.pk], deadline_id=deadline.pk) == 0
    assert tell([world.alice.pk], deadline_id=deadline.pk, kind="deadline_breached") == 1

    told = Notification.objects.values_list("recipient__username", "kind")
    assert sorted(told) == [("alice", "deadline_breached"), ("alice", "duty"), ("hector", "duty")]


def test_notifications_without_a_deadline_are_not_merged(world: World) -> None:
    assert tell([world.alice.pk]) == 1
    assert tell([world.alice.pk]) == 1
    assert Notification.objects.filter(recipient=world.alice).count() == 2


def test_the_database_keeps_one_notification_per_deadline_and_kind(
    world: World, deadline: Deadline
) -> None:
    """The service's own check aside, a duplicate offered at once is dropped, not raised."""
    twice = [
        Notification(
            recipient=world.alice,
            deadline=deadline,
            kind=NotificationKind.DEADLINE_BREACHED,
            message=DUTY_MESSAGE,
            created_at=AT,
        )
        for _ in range(2)
    ]
    Notification.objects.bulk_create(twice, ignore_conflicts=True)
    assert Notification.objects.filter(deadline=deadline).count() == 1


def test_inbox_holds_only_the_officials_own_notifications(world: World, case: Case) -> None:
    with clock.frozen(AT):
        tell([world.alice.pk], case_id=case.pk)
        tell([world.alice.pk, world.victor.pk], case_id=case.pk)
    alices = set(Notification.objects.filter(recipient=world.alice).values_list("pk", flat=True))
    victors = set(Notification.objects.filter(recipient=world.victor).values_list("pk", flat=True))

    assert {n.pk for n in inbox(world.alice)} == alices
    assert len(alices) == 2
    assert {n.pk for n in inbox(world.victor)} == victors
    assert len(victors) == 1
    assert list(inbox(world.oscar)) == []
    assert list(inbox(world.victor, unread_only=True)) == list(inbox(world.victor))


def test_an_official_cannot_mark_anothers_notifications_read(world: World) -> None:
    tell([world.alice.pk, world.victor.pk])
    tell([world.alice.pk])
    alices = list(Notification.objects.filter(recipient=world.alice).order_by("pk"))

    assert notifications_mark_read(actor=world.victor, ids=[n.pk for n in alices]) == 0
    assert inbox(world.alice, unread_only=True).count() == 2

    with clock.frozen(AT):
        assert notifications_mark_read(actor=world.alice, ids=[alices[0].pk]) == 1
    assert [n.pk for n in inbox(world.alice, unread_only=True)] == [alices[1].pk]
    alices[0].refresh_from_db()
    assert alices[0].read_at == AT
    assert inbox(world.victor, unread_only=True).count() == 1
    assert notifications_mark_read(actor=world.victor) == 1
    assert inbox(world.victor, unread_only=True).count() == 0


def test_inbox_is_newest_first(world: World) -> None:
    with clock.frozen(AT):
        tell([world.alice.pk])
    with clock.frozen(AT.replace(hour=7)):
        tell([world.alice.pk])
    assert [n.created_at.hour for n in inbox(world.alice)] == [7, 6]


def test_text_is_translated_when_shown(world: World) -> None:
    tell([world.alice.pk])
    notification = inbox(world.alice).get()

    with translation.override("en"):
        assert notification.text == f"Deadline R03 is due: {FORWARD_AUDIT.duty}"
    with translation.override("ru"):
        assert notification.text == (
            "Deadline R03 is due: направить сообщение для проведения проверки"
        )
