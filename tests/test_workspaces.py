"""The officials' workspaces in the web UI: "My cases" puts the most urgent case first and says
how near each case's next deadline is in words and colour."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse

from tergeu import clock
from tergeu.cases.models import Case
from tergeu.registry.services import case_register
from tests.conftest import World
from tests.test_web import web


def test_my_cases_puts_the_nearest_deadline_first_with_its_badge(world: World) -> None:
    now = clock.now()
    dues = {
        "far": now + timedelta(days=10, hours=1),
        "none": None,
        "overdue": now - timedelta(hours=1),
        "soon": now + timedelta(hours=50, minutes=30),
        "today": now + timedelta(hours=5, minutes=30),
    }
    numbers = {}
    for summary, due in dues.items():
        case = case_register(
            actor=world.rita,
            qualification={"article": "188", "offence_category": "medium"},
            summary=summary,
            investigation_unit=world.unit,
        )
        Case.objects.filter(pk=case.pk).update(next_due_at=due)
        numbers[summary] = case.register_number
    page = web(world.rita).get(reverse("web:my_cases")).content.decode()
    shown = re.findall(r'class="number">(\d+)<', page)
    order = ["overdue", "today", "soon", "far", "none"]
    assert shown == [numbers[s] for s in order]
    badges = re.findall(r'class="badge badge-(\w+)"><time [^>]+>([^<]+)<', page)
    assert badges == [
        ("red", "overdue"),
        ("red", "5 hours left"),
        ("amber", "50 hours left"),
        ("green", "10 days left"),
    ]


def test_the_queue_counts_the_hours_left_to_decide(world: World) -> None:
    from tergeu.cases.models import Awaited
    from tests.test_flow_api import register_case

    case_id = register_case(world)["case_id"]
    case = Case.objects.get(pk=case_id)
    Awaited.objects.create(
        case=case,
        kind="recognition_as_suspect",
        request_seq=1,
        decision="agreement",
        role="prosecutor",
        assignee=world.petra,
        opened_at=clock.now(),
        due_at=clock.now() + timedelta(hours=7, minutes=30),
    )
    page = web(world.petra).get(reverse("web:my_queue")).content.decode()
    assert '<span class="badge badge-red">7 hours left</span>' in page


def test_the_inbox_lists_my_notifications_and_marks_them_read(world: World) -> None:
    from tergeu.notifications.models import Notification
    from tergeu.notifications.services import notify
    from tests.test_flow_api import register_case

    case_id = register_case(world)["case_id"]
    for text in ("First notice", "Second notice"):
        notify([world.alice.pk], kind="duty", message=text, case_id=case_id)
    notify([world.ivan.pk], kind="duty", message="Ivan's own notice", case_id=case_id)
    alice = web(world.alice)
    cases = alice.get(reverse("web:my_cases")).content.decode()
    assert "2 unread" in cases
    page = alice.get(reverse("web:my_inbox")).content.decode()
    assert page.index("Second notice") < page.index("First notice")  # the newest first
    assert "Ivan's own notice" not in page
    assert page.count('class="unread"') == 2

    answer = alice.post(reverse("web:my_inbox"), follow=True)
    assert "2 notifications marked read." in answer.content.decode()
    assert "unread" not in alice.get(reverse("web:my_cases")).content.decode()
    assert Notification.objects.filter(recipient=world.ivan, read_at__isnull=True).count() == 1
