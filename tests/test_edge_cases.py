"""Edge cases of control and defence: a final decision on 29 February; a judge's decision that
would put the notice to a person watched off beyond the law's year; a lawyer probing who takes
part in a case through a complaint or the contacts endpoint; a delivery receipt that overtakes
the worker; numbers out of range; files the API's schema said nothing of."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from tergeu import clock
from tergeu.notifications.models import Channel, DeliveryState, Notification, NotificationKind
from tergeu.notifications.outbox import notification_receipt, outbox_add, outbox_deliver
from tergeu.notifications.sms import LocmemGateway
from tests.conftest import VALID_IIN, ApiClient, World
from tests.test_covert import Covert, _finally_decided
from tests.test_defence import OTHER, OTHER_IIN, STRANGER_IIN, Scene, created, scene_make


@pytest.fixture
def scene(world: World) -> Scene:
    return scene_make(world)


def test_a_notice_extension_after_a_final_decision_on_29_february_is_judged(
    world: World,
) -> None:
    """A year after 29 February is 28 February: the request is judged, not a server error."""
    with clock.frozen(datetime(2024, 2, 29, 6, 0, tzinfo=UTC)):
        covert = Covert(world)
        _finally_decided(covert)
        until = (clock.now() + timedelta(days=200)).isoformat()
        asked = covert.post(
            world.alice,
            "covert_notice_extension",
            {"covert": 1, "until": until, "grounds": "the group is still at large"},
        )
    assert asked.status_code == 201, asked.content


# --- the judge's term ---------------------------------------------------------------------


def test_the_judge_cannot_put_the_notice_off_beyond_a_year(world: World) -> None:
    """Art. 240(1-1): the judge may put the notice off up to a year after the final decision.
    A decision that sets its own `until` is held to the same limit as the request."""
    covert = Covert(world)
    compartment = _finally_decided(covert)
    decided = clock.now()
    asked = covert.post(
        world.alice,
        "covert_notice_extension",
        {"covert": 1, "until": (decided + timedelta(days=300)).isoformat(), "grounds": "x"},
    )
    assert asked.status_code == 201, asked.json()
    granted = covert.post(
        covert.julia,
        "decision",
        {
            "request": asked.json()["seq"],
            "outcome": "granted",
            "until": (decided + timedelta(days=3000)).isoformat(),
        },
    )
    assert granted.status_code == 409, granted.json()
    assert compartment.deadlines.get(rule="R64").due_at <= decided + timedelta(days=366)


# --- what a lawyer may learn --------------------------------------------------------------


def test_a_complaint_on_another_partys_motion_names_no_one(scene: Scene) -> None:
    """Lena defends the client; Leon the other suspect. A complaint of Leon's motion by Lena
    gets the same 404 as a number that is no motion, naming nobody: the defence of one client
    learns nothing of another party or of which acts are their motions."""
    alice = scene.api(scene.world.alice)
    with scene.at():
        appointment = {"party": OTHER, "lawyer_id": scene.leon.pk}
        created(alice.post(f"{scene.path}/defence/appointments", appointment))
        motion = created(scene.motion(scene.leon, party=OTHER))
        created(scene.notice(scene.lena))
    with scene.at(days=4):  # Leon's motion is undecided after 3 days: complainable
        others = scene.complaint(scene.lena, motion["seq"])
        no_motion = scene.complaint(scene.lena, 4)  # act 4 is a note
    assert OTHER_IIN not in others.content.decode()
    assert others.status_code == no_motion.status_code == 404
    assert others.json()["error"]["code"] == no_motion.json()["error"]["code"]


def test_a_lawyer_cannot_probe_who_takes_part_through_the_contacts_endpoint(
    scene: Scene,
) -> None:
    """`POST /cases/{id}/contacts` refuses a lawyer (403) before looking the party up, so the
    answer is the same for the victim's IIN and a stranger's: a lawyer, who is not shown the
    victim, cannot probe who takes part in the case."""
    lena = scene.api(scene.lena)
    with scene.at():
        created(scene.notice(scene.lena))
        assert lena.get(scene.path).json()["participants"] == []  # the victim is hidden
        body = {"phone": "+77011234567"}
        victim = lena.post(f"{scene.path}/contacts", {**body, "party": f"iin:{VALID_IIN}"})
        stranger = lena.post(f"{scene.path}/contacts", {**body, "party": f"iin:{STRANGER_IIN}"})
    assert victim.status_code == 403
    assert (stranger.status_code, stranger.json()["error"]["code"]) == (
        victim.status_code,
        victim.json()["error"]["code"],
    )


# --- delivery receipts --------------------------------------------------------------------


class PromptReceiptGateway(LocmemGateway):
    """An operator whose delivery receipt reaches tergeu (another process) before `send`
    has returned to the worker."""

    receipts = True

    def send(self, phone: str, text: str) -> None:
        super().send(phone, text)
        row = Notification.objects.get(address=phone)
        notification_receipt(notification=row, delivered=True)


def test_a_prompt_delivery_receipt_is_not_lost(settings: Any, db: Any) -> None:
    """A receipt that arrives while the worker is still handing the message over is kept: the
    row ends "delivered", not "sent" for ever (which the daily reconciliation would report as
    undelivered)."""
    settings.TERGEU_SMS_GATEWAY = "tests.test_edge_cases.PromptReceiptGateway"
    settings.TERGEU_OUTBOX_DELIVER_AFTER_COMMIT = False
    LocmemGateway.outbox.clear()
    row = outbox_add(
        channel=Channel.SMS,
        address="+77011234567",
        kind=NotificationKind.FAMILY_NOTICE,
        message="%(name)s was detained",
        params={"name": "T D"},
    )
    outbox_deliver()
    row.refresh_from_db()
    LocmemGateway.outbox.clear()
    assert row.state == DeliveryState.DELIVERED


# --- numbers out of range -----------------------------------------------------------------

BIG = 10**30


@pytest.mark.parametrize(
    ("who", "method", "path", "body"),
    [
        ("petra", "get", f"/supervision?offset={BIG}", None),
        ("alice", "get", "/cases/{case}/defence/disclosures?offset=" + str(BIG), None),
        ("alice", "get", f"/me/notifications?offset={BIG}", None),
        ("alice", "post", "/me/notifications/read", {"ids": [BIG]}),
    ],
)
def test_an_out_of_range_number_is_refused_not_a_server_error(
    world: World, who: str, method: str, path: str, body: Any
) -> None:
    """An offset or an id beyond what the database can hold is invalid input (422), not an
    overflow in SQLite or PostgreSQL (a 500)."""
    case = Covert(world).case
    api = ApiClient(getattr(world, who))
    api.client = Client(raise_request_exception=False)
    path = path.replace("{case}", str(case.pk))
    response = api.get(path) if method == "get" else api.post(path, body)
    assert response.status_code == 422, (response.status_code, response.content[:200])


# --- what the schema says of a file -------------------------------------------------------


def _openapi() -> dict[str, Any]:
    schema: dict[str, Any] = Client().get("/api/v1/openapi.json").json()
    return schema


def test_every_successful_answer_declares_its_body(db: Any) -> None:
    """A 2xx answer declared without content (`response={200: None}`) told clients, and the
    fuzzing's content-type check, nothing of the PDF, ZIP or file they receive."""
    undeclared = [
        f"{method.upper()} {route} {status}"
        for route, operations in _openapi()["paths"].items()
        for method, operation in operations.items()
        for status, answer in operation["responses"].items()
        if status.startswith("2") and "content" not in answer
    ]
    assert undeclared == []


def test_a_document_and_an_export_are_the_files_their_schema_declares(world: World) -> None:
    case = Covert(world).case
    alice = ApiClient(world.alice)
    paths = _openapi()["paths"]
    for route, path in (
        ("/api/v1/cases/{case_id}/acts/{seq}/document", f"/cases/{case.pk}/acts/1/document"),
        ("/api/v1/cases/{case_id}/export", f"/cases/{case.pk}/export?documents=false"),
    ):
        declared = paths[route]["get"]["responses"]["200"]
        response = alice.get(path)
        assert response.status_code == 200, route
        assert list(declared["content"]) == [response["Content-Type"]]
        assert response["Content-Disposition"], route
