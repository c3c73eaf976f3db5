"""The trial judge's court in the web UI: the incoming case accepted with its hearing set, the
hearing on the calendar, the verdict form, the sentence sent for execution; nobody else sees
the page or the judge's cases."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tergeu import clock
from tergeu.accounts.models import AgencyKind, Role
from tergeu.cases.models import Case
from tests import flows
from tests.conftest import World
from tests.test_refusals import database_state
from tests.test_web import web

COURT = reverse("web:court")


def _accept(judge_client: object, case: Case, hearing: str, **more: str) -> object:
    return judge_client.post(  # type: ignore[attr-defined]
        reverse("web:act_new", args=[case.pk, "court_acceptance"]),
        {"court_acceptance-route": "trial", "court_acceptance-hearing_at": hearing, **more},
    )


def test_the_judge_accepts_a_case_sets_its_hearing_and_sees_it_on_the_calendar(
    world: World,
) -> None:
    start = clock.now() - timedelta(days=2)
    judge = flows.on_duty(world, "trial", Role.TRIAL_JUDGE, start - timedelta(days=1))
    case = flows.to_court(world, start)
    client = web(judge)
    page = client.get(COURT).content.decode()
    incoming = page.split('id="court-incoming"')[1].split("</section>")[0]
    assert case.register_number in incoming
    accept = reverse("web:act_new", args=[case.pk, "court_acceptance"])
    assert f'href="{accept}"' in incoming
    assert "Court accepts the case" in incoming
    # The acceptance form names the hearing; one in the past or beyond the trial's outer term
    # is refused, with nothing written.
    form = client.get(accept).content.decode()
    assert 'type="datetime-local"' in form
    assert "Date and time of the hearing" in form
    zone = clock.legal_zone()
    now = clock.now().astimezone(zone)
    before = database_state()
    for wrong in (now - timedelta(hours=1), now + timedelta(days=31)):
        refused = _accept(client, case, wrong.strftime("%Y-%m-%dT%H:%M"))
        assert refused.status_code == 409  # type: ignore[attr-defined]
        assert "no later than 30 days" in refused.content.decode()  # type: ignore[attr-defined]
        assert database_state() == before
    hearing = (now + timedelta(days=5)).replace(hour=10, minute=30, second=0, microsecond=0)
    assert _accept(client, case, hearing.strftime("%Y-%m-%dT%H:%M")).status_code == 302  # type: ignore[attr-defined]
    assert Case.objects.get(pk=case.pk).stage == "trial_scheduled"
    page = client.get(COURT).content.decode()
    calendar = page.split('id="calendar-heading"')[1].split("</section>")[0]
    day = calendar.split(f'<time datetime="{hearing:%Y-%m-%d}">')[1].split("</li>\n  \n")[0]
    assert "10:30" in day
    assert case.register_number in day
    assert "outside the statutory term" not in day
    assert "Opening of the main trial" in day
    # The next fortnight has no hearing; the previous link goes back.
    later = client.get(COURT, {"from": (now + timedelta(days=14)).date().isoformat()})
    assert case.register_number not in later.content.decode().split('id="court-trial"')[0]
    # A hearing set before the parties' 3 days have run is flagged.
    other = flows.to_court(world, clock.now())
    soon = (now + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    assert _accept(client, other, soon).status_code == 302  # type: ignore[attr-defined]
    page = client.get(COURT).content.decode()
    assert page.count("outside the statutory term") == 1


def test_from_verdict_to_execution_the_court_page_links_the_next_act(world: World) -> None:
    start = clock.now() - timedelta(days=40)
    judge = flows.on_duty(world, "trial", Role.TRIAL_JUDGE, start - timedelta(days=1))
    case = flows.to_verdict(world, judge, start, flows.IMPRISONMENT)
    client = web(judge)
    section = client.get(COURT).content.decode().split('id="court-verdict"')[1]
    assert case.register_number in section.split("</section>")[0]
    flows.act(case, "entry_into_force", judge)
    page = client.get(COURT).content.decode()
    in_force = page.split('id="court-in_force"')[1].split("</section>")[0]
    order = reverse("web:act_new", args=[case.pk, "execution_order"])
    assert case.register_number in in_force
    assert f'href="{order}"' in in_force
    # The execution order's form offers the executing institutions by name.
    colony = flows.institution(world, "7591", AgencyKind.PENITENTIARY)
    form = client.get(order).content.decode()
    assert f'<option value="{colony.pk}">{colony.name}</option>' in form
    response = client.post(
        order,
        {
            "execution_order-punishment": "imprisonment",
            "execution_order-term_months": "36",
            "execution_order-institution_id": str(colony.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()
    page = client.get(COURT).content.decode()
    execution = page.split('id="court-execution"')[1].split("</section>")[0]
    assert case.register_number in execution
    assert "awaiting confirmation" in execution


def test_the_court_page_is_the_trial_judges_own(world: World) -> None:
    start = clock.now() - timedelta(days=2)
    judge = flows.on_duty(world, "trial", Role.TRIAL_JUDGE, start - timedelta(days=1))
    case = flows.to_court(world, start)
    other = world.official("other_trial", judge.appointments.get().agency, Role.TRIAL_JUDGE)
    clients = {who: web(who) for who in (other, world.alice, world.petra, world.oscar)}
    before = database_state()
    # Another judge of the same court has the page but not this case; nobody else has the page.
    assert case.register_number not in clients[other].get(COURT).content.decode()
    for who in (world.alice, world.petra, world.oscar):
        assert clients[who].get(COURT).status_code == 404, who.username
        assert 'href="/court/"' not in clients[who].get(reverse("web:my_cases")).content.decode()
    assert database_state() == before
    assert web().get(COURT).status_code == 302  # to the sign-in page


def test_the_court_page_costs_the_same_queries_however_many_cases(world: World) -> None:
    start = clock.now() - timedelta(days=2)
    judge = flows.on_duty(world, "trial", Role.TRIAL_JUDGE, start - timedelta(days=1))
    client = web(judge)
    counts = []
    for _ in range(2):
        for _ in range(2):
            case = flows.to_court(world, start)
            with clock.frozen(start + timedelta(days=1)):
                flows.act(case, "court_acceptance", judge, {"route": "trial"})
        flows.to_court(world, start)
        client.get(COURT)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(COURT).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
