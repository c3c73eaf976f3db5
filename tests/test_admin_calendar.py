"""The administrator's working-day calendar: the year's days off from the pack's calendar, linked
from the admin's index; officials who are not staff are sent to sign in, and nothing is written."""

from __future__ import annotations

from django.urls import reverse

from tests.conftest import World
from tests.test_refusals import database_state
from tests.test_web import web

URL = reverse("admin_calendar")


def test_the_admin_sees_the_year_s_days_off(world: World) -> None:
    world.rita.is_staff = True
    world.rita.save()
    client = web(world.rita)
    assert f'href="{URL}"' in client.get(reverse("admin:index")).content.decode()
    page = client.get(URL, {"year": "2026"}).content.decode()
    # New Year and Nauryz are days off; 2026-03-21/22 fall on a weekend and move on.
    assert "2026-01-01" in page
    assert "New Year" in page
    assert "2026-03-23" in page
    assert "Working days in 2026:" in page
    assert "calendar.toml" in page
    # A year that is not a number shows the current year rather than an error.
    assert client.get(URL, {"year": "x"}).status_code == 200


def test_the_calendar_page_is_for_staff_only(world: World) -> None:
    clients = [web(world.alice), web()]
    before = database_state()
    for client in clients:
        response = client.get(URL)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
    assert database_state() == before
