"""The web UI in a real browser: Debian's chromium, driven by Playwright, against the live server
(tests/browser.py). Run with `-m browser` alone, or as part of the whole suite."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from tergeu.cases.models import Case
from tests.browser import SCREENSHOTS, policy_violations, sign_in
from tests.conftest import VALID_IIN, World

pytestmark = pytest.mark.browser


def test_report_to_case_and_language(page: Page, site: str, world: World) -> None:
    sign_in(page, site, "rita")
    page.get_by_role("link", name="New report").first.click()
    expect(page.get_by_role("heading", name="New crime report")).to_be_visible()
    page.get_by_label("Source").select_option("written_statement")
    page.get_by_label("Summary").fill("Bicycle stolen from a courtyard")
    page.get_by_label("Place of the event").fill("Satpayev st 5")
    page.get_by_label("Applicant's IIN").fill(VALID_IIN)
    page.get_by_label("Last name").fill("Testov")
    page.get_by_label("First name").fill("Demo")
    page.get_by_role("button", name="Enter the report").click()

    expect(page.get_by_role("heading", name=re.compile(r"Crime report No\. \d+"))).to_be_visible()
    expect(page.get_by_text("Received, awaiting decision")).to_be_visible()
    register = page.locator("form", has=page.locator("input[name=decision][value=register]"))
    register.get_by_label("Criminal Code article").fill("188")
    register.get_by_label("Part").fill("1")
    register.get_by_label("Offence category").select_option("small")
    register.get_by_role("button", name="Register in the unified register").click()

    expect(page.get_by_role("heading", name=re.compile(r"^Case \d{15}$"))).to_be_visible()
    case = Case.objects.get()
    expect(page).to_have_url(f"{site}/cases/{case.pk}/")
    act = page.locator("#act-1")
    expect(act).to_contain_text("Registration in the unified register")
    expect(act).to_contain_text(case.register_number)
    expect(act).to_contain_text(case.last_hash[:12])

    # Opening "Note" fetches its form into the page (once htmx is loaded with it); recording it
    # adds act 2 to the timeline.
    page.wait_for_load_state()
    page.locator("details.action summary", has_text="Note").click()
    page.get_by_label("Text").fill("Called the applicant back")
    page.get_by_role("button", name="Record").click()
    expect(page.locator("#act-2")).to_contain_text("Called the applicant back")

    page.get_by_role("button", name="Русский").click()
    expect(page.get_by_role("heading", name=f"Дело {case.register_number}")).to_be_visible()
    expect(page.locator("#act-1")).to_contain_text("Регистрация в ЕРДР")
    expect(page.locator("html")).to_have_attribute("lang", "ru")


def test_load_older_acts(page: Page, site: str, world: World) -> None:
    from tergeu.journal.services import act_append
    from tergeu.registry.services import case_register

    case = case_register(
        actor=world.rita,
        qualification={"article": "188", "offence_category": "medium"},
        summary="A long journal",
        investigation_unit=world.unit,
    )
    for i in range(2, 61):
        act_append(case=case, kind="note", payload={"text": f"note {i}"}, actor=world.rita)
    sign_in(page, site, "rita")
    page.goto(f"{site}/cases/{case.pk}/")
    acts = page.locator("ol.timeline > li.act")
    expect(acts).to_have_count(50)
    expect(page.locator("#act-10")).to_have_count(0)
    page.get_by_role("link", name="Load older acts").click()
    expect(acts).to_have_count(60)
    expect(page.locator("#act-1")).to_contain_text("Registration in the unified register")
    expect(page.get_by_role("link", name="Load older acts")).to_have_count(0)
    # htmx swapped the rows in: the page itself did not change.
    expect(page).to_have_url(f"{site}/cases/{case.pk}/")


def test_signing_on_the_server_and_with_the_signing_application(
    page: Page, site: str, world: World, settings: Any
) -> None:
    """Rita signs her note with the key kept on the server; with signing on the server off, she
    signs the registration with her signing application — NCALayer's WebSocket answered here
    with a CMS made over exactly the bytes the server gave, as NCALayer makes it."""
    import base64
    import json
    from concurrent.futures import ThreadPoolExecutor

    from playwright.sync_api import WebSocketRoute

    from tergeu.signing.devca import DEV_PASSWORD, dev_ca_open
    from tergeu.signing.models import SignedDocument
    from tergeu.signing.services import Pkcs12, cms_sign
    from tests.test_web_signing import keyed_case

    case = keyed_case(world)
    sign_in(page, site, "rita")
    page.goto(f"{site}/cases/{case.pk}/")
    page.locator("#act-2").get_by_role("button", name="Sign the document (en)").click()
    expect(page.get_by_role("status").filter(has_text="Act no. 2 signed")).to_be_visible()
    expect(page.locator("#act-2")).to_contain_text("signed (1 signature)")

    settings.TERGEU_SIGNING_SERVER_KEYS = ""
    key = Pkcs12(dev_ca_open().p12_path(world.rita).read_bytes(), DEV_PASSWORD)
    asked: list[dict[str, Any]] = []

    def ncalayer(socket: WebSocketRoute) -> None:
        socket.send(json.dumps({"result": {"version": "1.4"}}))

        def answer(message: str | bytes) -> None:
            request = json.loads(message)
            asked.append(request)
            data = base64.b64decode(request["args"][2])
            # pyHanko runs an event loop of its own: not in Playwright's thread.
            with ThreadPoolExecutor(max_workers=1) as pool:
                cms = pool.submit(cms_sign, data, official=world.rita, p12=key).result()
            socket.send(
                json.dumps({"code": "200", "responseObject": base64.b64encode(cms).decode()})
            )

        socket.on_message(answer)

    page.route_web_socket("wss://127.0.0.1:13579/", ncalayer)
    page.goto(f"{site}/cases/{case.pk}/")
    page.locator("#act-1").get_by_role("button", name="Sign the document (en)").click()
    expect(page.locator("#act-1")).to_contain_text("signed (1 signature)")
    assert asked[0]["method"] == "createCAdESFromBase64"
    assert asked[0]["args"][3] is False  # detached
    modes = dict(SignedDocument.objects.values_list("act__seq", "mode"))
    assert modes == {1: "client", 2: "server"}


AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# What axe reports at these levels fails the test (WCAG 2.1 A and AA rules, and axe's best
# practices); "minor" and "moderate" findings are printed only.
FAILING = ("serious", "critical")


def accessibility_problems(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    # Evaluated rather than added as a script tag: the page's policy refuses inline scripts.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}
        })).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)
        }))"""
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {', '.join(v['nodes'])}"
        for v in found
        if v["impact"] in FAILING
    ]


def _workspaces(world: World) -> dict[str, list[str]]:
    """Every role's workspace pages, each with something on it: a case with a suspect, a
    defended client and a seized item; a covert request awaiting the judge; a case at the
    trial court; a sentence at the colony; the statistics of all that, with their charts."""
    from tergeu import clock
    from tergeu.accounts.models import Role
    from tergeu.defence.services import defence_notice_file, motion_file
    from tergeu.evidence.services import evidence_seize
    from tergeu.statistics import rollup
    from tests import flows
    from tests.conftest import VALID_IIN_2
    from tests.test_covert import Covert
    from tests.test_execution import executing_case
    from tests.test_statistics_web import analyst, period

    case = flows.suspect_case(world)
    lawyer = world.lawyer()
    admission = defence_notice_file(
        lawyer=lawyer, register_number=case.register_number, client_iin=VALID_IIN_2
    )
    motion_file(
        case=case, lawyer=lawyer, party=f"iin:{VALID_IIN_2}", matter="expertise", text="An expert"
    )
    evidence_seize(
        case=case, actor=world.alice, description="A knife", nature="physical", place="Abay 10"
    )
    covert = Covert(world).case.pk
    trial = flows.on_duty(world, "trial", Role.TRIAL_JUDGE, clock.now() - timedelta(days=30))
    flows.to_court(world, clock.now() - timedelta(days=1))
    hearing = (clock.now() + timedelta(days=4)).replace(hour=5, minute=0, second=0, microsecond=0)
    scheduled = flows.to_court(world, clock.now() - timedelta(days=2))
    flows.act(
        scheduled, "court_acceptance", trial, {"route": "trial", "hearing_at": hearing.isoformat()}
    )
    flows.to_verdict(world, trial, clock.now() - timedelta(days=12), flows.IMPRISONMENT)
    executing_case(world)
    analyst(world)
    rollup.refresh()
    return {
        "": ["/login/", "/status/"],
        "rita": ["/", "/reports/new/", "/inbox/", f"/cases/{case.pk}/"],
        "alice": ["/", "/queue/", f"/cases/{case.pk}/evidence/1/", f"/cases/{covert}/covert/1/"],
        "hector": ["/unit/", "/queue/"],
        "petra": ["/supervision/", "/queue/"],
        "julia": ["/queue/", f"/cases/{covert}/covert/1/"],
        "trial": ["/court/"],
        "warden": ["/execution/"],
        "lena": ["/defence/", f"/defence/clients/{admission.pk}/disclosures/"],
        "anna": [f"/statistics/?{urlencode(period())}"],
    }


def test_every_workspace_is_accessible_and_served_by_tergeu(
    page: Page, site: str, world: World
) -> None:
    """Each role's workspace pages pass axe-core's WCAG 2.1 AA checks with no serious or
    critical finding, at desktop and tablet width, run whole under the Content-Security-Policy
    (the browser reports no violation), and load nothing from anywhere but tergeu (no CDN: every
    request the browser makes goes to the site); a screenshot of each is kept (the test
    artifacts, TERGEU_SCREENSHOTS, default var/screenshots/)."""
    workspaces = _workspaces(world)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # The check itself finds a missing label and an image without its text.
    page.set_content('<html lang="en"><title>t</title><main><img src="x.png"><input></main></html>')
    assert len(accessibility_problems(page)) >= 2
    violations = policy_violations(page)
    # ... and the policy's check finds a style attribute added to a page of tergeu's.
    page.goto(f"{site}/login/")
    # The page's report comes after the browser's own log of the violation.
    with page.expect_console_message(lambda m: "Content Security Policy violation" in m.text):
        page.evaluate(
            """document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>')"""
        )
    assert any("style-src" in v for v in violations), violations
    violations.clear()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    problems: list[str] = []
    for username, paths in workspaces.items():
        page.context.clear_cookies()
        if username:
            sign_in(page, site, username)
        for path in paths:
            for width, height in ((1280, 900), (820, 1180)):  # a desktop, a tablet
                page.set_viewport_size({"width": width, "height": height})
                response = page.goto(f"{site}{path}")
                assert response is not None
                assert response.status == 200, (username, path, response.status)
                problems += [
                    f"{username} {path} {width}px {p}" for p in accessibility_problems(page)
                ]
                file_name = re.sub(r"[^\w.-]", "_", path)
                name = f"{username or 'anonymous'}{file_name}{width}.png"
                page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
    assert not problems, "\n".join(problems)
    assert not violations, "\n".join(violations)
    # axe-core itself is added from the test's files, not fetched.
    elsewhere = sorted({url for url in requested if not url.startswith(site)})
    assert requested
    assert not elsewhere, elsewhere


def test_the_admin_and_the_api_docs_run_under_the_policy(
    page: Page, site: str, world: World
) -> None:
    """The Django admin (its lists, forms, inlines and the working-day calendar) and the API's
    documentation page work under the strict Content-Security-Policy: nothing is refused, and
    their scripts run."""
    world.adam.is_staff = True
    world.adam.is_superuser = True
    world.adam.save(update_fields=["is_staff", "is_superuser"])
    violations = policy_violations(page)
    page.goto(f"{site}/admin/login/")
    page.get_by_label("Username").fill("adam")
    page.get_by_label("Password").fill("pw-adam-123")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    for path in (
        "/admin/accounts/official/",
        "/admin/accounts/agency/add/",
        "/admin/accounts/dutyshift/add/",
        "/admin/calendar/",
        "/admin/axes/accessattempt/",
    ):
        assert (response := page.goto(f"{site}{path}")) is not None
        assert response.status == 200, path
    page.goto(f"{site}/admin/accounts/official/{world.rita.pk}/change/")
    appointments = page.locator(".dynamic-appointments")
    expect(appointments).to_have_count(1)
    page.locator(".add-row a").click()
    expect(appointments).to_have_count(2)  # the admin's inlines.js ran
    page.goto(f"{site}/api/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible()  # Swagger UI drew the API
    assert not violations, "\n".join(violations)
