"""The three cases of tests/test_scenarios.py, from the report to the closed case, worked entirely
in the web UI of a real browser: each official signs in in a browser of their own and clicks and
types every act of theirs, on the days the API scenario performs them (the clock is
process-wide, so the live server reads it too). Only the set-up is made through the ORM: the
courts, judges and duty shifts of `Scenario`, the colony, the bailiffs.

At each official's first visit to their workspace a screenshot of it is kept (the test
artifacts, TERGEU_SCREENSHOTS, default var/screenshots/, `e2e-<scenario>-<step>.png`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.core import mail
from playwright.sync_api import Browser, Locator, Page, expect

from tergeu import clock
from tergeu.accounts.models import Agency, AgencyKind, Official, Role
from tergeu.cases.models import Compartment
from tergeu.journal.verify import verify_case
from tergeu.notifications.models import Notification
from tergeu.notifications.outbox import outbox_deliver
from tergeu.procedure.state import from_json
from tests.browser import SCREENSHOTS, sign_in
from tests.conftest import VALID_IIN, VALID_IIN_2, World
from tests.test_scenarios import SUSPECT, Scenario, days, hours

pytestmark = pytest.mark.browser

DECISION = "Decision on a request (agreement, approval, sanction)"
FIELDS = {"until": "Until", "reasons": "Reasons"}  # of the decision form
# A field's label in the act form and what to put there: text typed in, an option chosen, or a
# box ticked (True) or left empty (False).
Fields = dict[str, str | bool]


class Desk:
    """The offices of one scenario: every official signed in in a browser context of their own,
    recording the case's acts through the web UI while `scenario` moves the clock."""

    def __init__(self, browser: Browser, site: str, scenario: Scenario, name: str) -> None:
        self.browser, self.site, self.s, self.name = browser, site, scenario, name
        self.pages: dict[int, Page] = {}
        self.screenshots = 0

    def local(self, offset: timedelta) -> str:
        """The moment `offset` into the scenario as the browser's date-and-time picker takes it:
        in the legal zone, to the minute."""
        moment = (self.s.start + offset).astimezone(clock.legal_zone())
        return f"{moment:%Y-%m-%dT%H:%M}"

    def workspace(self, who: Official, path: str) -> Page:
        """`who` at their workspace `path`: signed in at their first visit in the scenario, and
        again whenever their session has ended while the scenario's clock moved on (half an hour
        without a request ends it); a screenshot of the page kept at the first visit."""
        page = self.pages.get(who.pk)
        first = page is None
        if page is None:
            page = self.browser.new_context(locale="en-US").new_page()
            page.set_default_timeout(10_000)
            sign_in(page, self.site, who.username)  # lands on their role's workspace
            self.pages[who.pk] = page
        if not (first and page.url == f"{self.site}{path}"):
            page.goto(f"{self.site}{path}")
            if page.url.startswith(f"{self.site}/login/"):
                expect(page.get_by_role("status")).to_contain_text("You were signed out")
                sign_in(page, self.site, who.username)
                page.goto(f"{self.site}{path}")
        if first:
            self.screenshots += 1
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = f"e2e-{self.name}-{self.screenshots:02d}-{who.username}.png"
            page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
        return page

    def case_page(self, who: Official, via: str = "/") -> Page:
        """`who` opens the case from their workspace `via` (its register number's link)."""
        page = self.workspace(who, via)
        page.get_by_role("link", name=self.s.case.register_number, exact=True).first.click()
        expect(page).to_have_url(f"{self.site}/cases/{self.s.case_id}/")
        return page

    def record(self, page: Page, label: str, fields: Fields | None = None) -> int:
        """Open the "record an act" section `label` on the case page, fill it in and record it;
        the act appears in the journal under the next number, which is returned."""
        seq = self.s.case.last_seq + 1
        fill_and_submit(section(page, label), fields or {}, "Record")
        expect(page.get_by_role("status").filter(has_text=f"Recorded: {label}.")).to_be_visible()
        expect(page.locator(f"#act-{seq}")).to_contain_text(label)
        return seq

    def decide(
        self, who: Official, request: int, label: str, outcome: str = "granted", **more: str
    ) -> None:
        """`who` finds the request in their queue and opens its decision, the request filled
        in, and decides; the case page shows the decision and the request leaves the queue."""
        page = self.workspace(who, "/queue/")
        row = page.get_by_role("row").filter(has_text=f"{label} (act {request})")
        row.get_by_role("link", name="Decide").click()
        expect(page.get_by_label("Request number (act)")).to_have_value(str(request))
        fields: Fields = {"Decision": outcome}
        fields |= {FIELDS[name]: value for name, value in more.items()}
        seq = self.s.case.last_seq + 1
        fill_and_submit(page.locator("main form"), fields, "Record", section=False)
        expect(page).to_have_url(f"{self.site}/cases/{self.s.case_id}/#journal")
        expect(page.get_by_role("status").filter(has_text=f"Recorded: {DECISION}.")).to_be_visible()
        expect(page.locator(f"#act-{seq}")).to_contain_text(DECISION)
        summary = page.locator(f"#act-{seq} .summary")
        expect(summary).to_contain_text(f"Decision: {outcome};")
        expect(summary).to_contain_text(f"Request number (act): {request}")
        page.goto(f"{self.site}/queue/")
        expect(page.get_by_role("heading", name="Awaiting my decision")).to_be_visible()
        expect(row).to_have_count(0)

    def stage(self, page: Page, text: str) -> None:
        expect(page.locator(".case-head .stage")).to_have_text(text)

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


def section(page: Page, label: str) -> Locator:
    """The `details.action` section whose summary is exactly `label`."""
    summary = page.locator("summary", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    return page.locator("details.action", has=summary)


def fill_and_submit(where: Locator, fields: Fields, button: str, *, section: bool = True) -> None:
    """Open the form's `details` in `where` (unless open; `section=False`: a form of its own
    page), fill in `fields`, press `button`."""
    if section:
        details = where.locator("xpath=descendant-or-self::details").first
        is_open = details.get_attribute("open") is not None  # waits for the section's page
        # htmx binds the sections' forms when that page has loaded; a section opened before
        # then shows only the link to its form's page.
        where.page.wait_for_load_state()
        if not is_open:
            details.locator("summary").first.click()
    for label, value in fields.items():
        # Exactly the label (Django ends it with a colon): "Ground" is not "Grounds".
        field = where.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))
        if isinstance(value, bool):
            field.set_checked(value)
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    where.get_by_role("button", name=button, exact=True).click()


@pytest.fixture
def desk(browser: Browser, site: str, world: World) -> Iterator[Callable[[str], Desk]]:
    """The offices of scenario `name` (a, b, c: the name of its screenshots)."""
    opened: list[Desk] = []

    def offices(name: str) -> Desk:
        # To the minute: the date-and-time picker takes no seconds.
        start = clock.now().replace(second=0, microsecond=0) - timedelta(days=60)
        opened.append(Desk(browser, site, Scenario(world, start), name))
        return opened[-1]

    yield offices
    for each in opened:
        each.close()


def register(d: Desk, qualification: tuple[str, str, str]) -> None:
    """Rita enters the report in the book and registers it: the case page opens with act 1."""
    article, part, category = qualification
    page = d.workspace(d.s.world.rita, "/reports/new/")
    page.get_by_label("Source").select_option("written_statement")
    page.get_by_label("Summary").fill("Robbery of a shop on Abay avenue")
    page.get_by_label("Place of the event").fill("Abay ave 10")
    page.get_by_label("Applicant's IIN").fill(VALID_IIN)
    page.get_by_label("Last name").fill("Testov")
    page.get_by_label("First name").fill("Demo")
    page.get_by_role("button", name="Enter the report").click()
    register_form = page.locator("details.action", has=page.locator("input[value=register]"))
    fill_and_submit(
        register_form,
        {"Criminal Code article": article, "Part": part, "Offence category": category},
        "Register in the unified register (ЕРДР)",
    )
    expect(page.get_by_role("heading", name=re.compile(r"^Case \d{15}$"))).to_be_visible()
    d.s.case_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    expect(page.locator("#act-1")).to_contain_text("Registration in the unified register")
    d.stage(page, "Registered, pre-trial investigation started")


def open_investigation(d: Desk, form: str) -> Page:
    """Hector accepts the case for Alice, Petra takes it as procedural prosecutor, Alice admits
    the suspect; Alice's case page is returned."""
    world = d.s.world
    page = d.case_page(world.hector)
    d.record(
        page, "Acceptance into production", {"Investigator": "Alice", "Form of investigation": form}
    )
    d.stage(page, "Under investigation")
    page = d.case_page(world.petra, "/supervision/")
    d.record(page, "Assignment of the procedural prosecutor", {"Procedural prosecutor": "Petra"})
    page = d.case_page(world.alice)
    admit(d, page, "suspect", VALID_IIN_2, "Suspectov")
    return page


def admit(d: Desk, page: Page, role: str, iin: str, last_name: str, email: str = "") -> None:
    fields: Fields = {"Role": role, "IIN": iin, "Last name": last_name, "First name": "Demo"}
    if email:
        fields["E-mail"] = email
    d.record(page, "Admission of a participant", fields)
    expect(page.get_by_role("row").filter(has_text=iin)).to_contain_text(last_name)


def detain(d: Desk, page: Page, detained_at: timedelta) -> None:
    d.record(
        page,
        "Detention protocol",
        {
            "Person (IIN)": VALID_IIN_2,
            "Actual time of detention": d.local(detained_at),
            "The person is a minor": False,
            "Grounds": "caught at the scene",
        },
    )
    d.record(
        page, "Written notice of the detention to the prosecutor", {"Person (IIN)": VALID_IIN_2}
    )


def custody_motion(d: Desk) -> int:
    """Alice moves for custody; Hector agrees, Petra agrees: it goes to the judge on duty."""
    world = d.s.world
    page = d.case_page(world.alice)
    motion = d.record(
        page, "Motion for custody", {"Person (IIN)": VALID_IIN_2, "Grounds": "may flee"}
    )
    d.decide(world.hector, motion, "Motion for custody")
    d.decide(world.petra, motion, "Motion for custody")
    return motion


def refused_now(page: Page, label: str, reason: str) -> None:
    """`label` is not offered on the case page, and the page says why."""
    expect(section(page, label)).to_have_count(0)
    why = page.locator("details.refused")
    why.locator("summary").click()
    expect(why.locator("li").filter(has_text=label)).to_contain_text(reason)


def execution_confirmed(d: Desk, who: Official, place: str) -> None:
    """The executing institution finds the order in its list and confirms: the case closes."""
    page = d.workspace(who, "/execution/")
    row = page.get_by_role("row").filter(has_text=d.s.case.register_number)
    expect(row).to_contain_text("awaiting confirmation")
    row.get_by_role("link").click()
    d.record(page, "Execution confirmed", {"Place of serving": place})
    d.stage(page, "Closed")
    page.goto(f"{d.site}/execution/")
    expect(row).to_contain_text("Closed")


def test_a_grave_crime_from_detention_to_imprisonment(desk: Callable[[str], Desk]) -> None:
    d = desk("a")
    s, world = d.s, d.s.world
    with s.at(hours(0)):
        register(d, ("192", "3", "grave"))
        open_investigation(d, "preliminary")
    with s.at(hours(2)):
        page = d.case_page(world.alice)
        detain(d, page, detained_at=hours(1))
        d.record(
            page, "Interrogation of the suspect", {"Person (IIN)": VALID_IIN_2, "Summary": "-"}
        )
    with s.at(hours(20)):
        motion = custody_motion(d)
    with s.at(hours(26)):
        d.decide(s.judge, motion, "Motion for custody", until=d.local(days(60)))
    assert s.clocks("R39", "R42") == {"R39": "met", "R42": "met"}
    assert from_json(s.case.procedure).persons[SUSPECT].custody_until is not None

    # The covert action: requested on the case page, decided and extended on its compartment's.
    covert = "Covert investigative action: request for a sanction"
    with s.at(days(2)):
        page = d.case_page(world.alice)
        fill_and_submit(
            section(page, covert),
            {
                "Person (IIN)": VALID_IIN_2,
                "Type (art. 231(1) item)": "2",
                "Grounds": "telephone contacts",
            },
            "Record",
        )
        expect(page.get_by_role("status").filter(has_text=f"Recorded: {covert}.")).to_be_visible()
        # Not in the case's journal: in a compartment of its own, linked for those it names.
        expect(page.locator(".act-covert_action")).to_have_count(0)
        expect(page.get_by_role("link", name="Covert compartment 1")).to_be_visible()
        compartment_decide(d, 1, covert, until=days(30))
    with s.at(days(25)):
        page = compartment_page(d, world.alice)
        compartment_record(
            d,
            page,
            "Covert investigative action: extension",
            {
                "Covert action (act number)": "1",
                "Until": d.local(days(55)),
                "Grounds": "new contacts",
            },
        )
        compartment_decide(d, 3, "Covert investigative action: extension", until=days(55))
    with s.at(days(40)):
        page = compartment_page(d, world.alice)
        compartment_record(
            d, page, "Covert investigative action: termination", {"Covert action (act number)": "1"}
        )
        compartment_record(
            d,
            page,
            "Covert investigative action: results reported to the prosecutor",
            {"Covert action (act number)": "1"},
        )
        expect(page.get_by_role("row").filter(has_text="#1")).to_contain_text("ended")
    compartment = Compartment.objects.get(case_id=s.case_id)
    assert dict(compartment.deadlines.values_list("rule", "state")) == {
        "R60": "met",
        "R62": "met",
        "R62M": "met",
        "R63": "met",
    }

    # The indictment, approved by the prosecutor, sends the case to court.
    with s.at(days(45)):
        page = d.case_page(world.alice)
        d.record(page, "Notice of the end of investigative actions")
    with s.at(days(47)):
        page = d.case_page(world.alice)
        d.record(page, "Familiarisation with the materials completed")
        indictment = d.record(page, "Indictment drawn up by the investigator")
        d.decide(world.petra, indictment, "Indictment drawn up by the investigator")
    assert s.case.stage == "sent_to_court"
    with s.at(days(49)):
        page = d.case_page(s.trial_judge)
        d.stage(page, "Sent to court")
        d.record(page, "Court accepts the case and assigns the hearing", {"Route": "trial"})
        d.stage(page, "Trial scheduled")
    with s.at(days(55)):
        page = d.case_page(s.trial_judge)
        d.record(page, "Opening of the main trial")
        d.record(
            page,
            "Verdict",
            {"Decision": "conviction", "Punishment": "imprisonment", "Term (months)": "60"},
        )
        d.stage(page, "Judgment issued")
    with s.at(days(58)):
        page = d.case_page(s.trial_judge)
        refused_now(
            page, "Entry into force", "The period for appeals or objections has not ended yet."
        )
    colony = Agency.objects.create(
        name="Colony 7591", kind=AgencyKind.PENITENTIARY, authority_code="7591",
        region=world.unit.region,
    )  # fmt: skip
    warden = world.official("warden", colony, Role.PENITENTIARY_OFFICER)
    with s.at(days(71)):
        page = d.case_page(s.trial_judge)
        d.record(page, "Entry into force")
        d.stage(page, "In force")
        d.record(
            page,
            "Order for the execution of the sentence",
            {
                "Punishment": "imprisonment",
                "Term (months)": "60",
                "Executing institution": str(colony.pk),
            },
        )
        d.stage(page, "Execution of the sentence")
    with s.at(days(72)):
        execution_confirmed(d, warden, "colony 7591, Almaty oblast")
    case = s.case
    assert case.stage == "closed"
    assert from_json(case.procedure).persons[SUSPECT].status == "convicted"
    assert verify_case(case) == []
    # The case's journal holds none of the covert acts, and no gap where they were recorded.
    page = d.case_page(world.alice)
    acts = page.locator("ol.timeline > li.act")
    expect(acts).to_have_count(case.last_seq)
    expect(page.locator("li.act[class*=act-covert]")).to_have_count(0)
    expect(page.locator(f"#act-{case.last_seq}")).to_contain_text("Execution confirmed")
    expect(page.locator("#act-1")).to_contain_text("Registration in the unified register")


def compartment_page(d: Desk, who: Official) -> Page:
    """`who` opens the case's covert compartment 1 from the case page."""
    page = d.case_page(who)
    page.get_by_role("link", name="Covert compartment 1").click()
    expect(page.get_by_role("heading", name="Covert compartment 1")).to_be_visible()
    return page


def compartment_record(d: Desk, page: Page, label: str, fields: Fields) -> None:
    seq = Compartment.objects.get(case_id=d.s.case_id).last_seq + 1
    fill_and_submit(section(page, label), fields, "Record")
    expect(page.get_by_role("status").filter(has_text=f"Recorded: {label}.")).to_be_visible()
    expect(page.locator(f"#act-{seq}")).to_contain_text(label)


def compartment_decide(d: Desk, request: int, label: str, *, until: timedelta) -> None:
    """The judge finds the covert request in their queue, decides it on the compartment's page
    (granted until `until`), and it leaves the queue; the covert action runs."""
    judge = d.s.judge
    page = d.workspace(judge, "/queue/")
    row = page.get_by_role("row").filter(has_text=f"{label} (act {request})")
    row.get_by_role("link", name=re.compile("Covert compartment 1")).click()
    expect(page.get_by_role("heading", name="Covert compartment 1")).to_be_visible()
    item = page.locator("article.request").filter(has_text=f"(#{request})")
    fill_and_submit(item, {"Decision": "granted", "Until": d.local(until)}, "Record the decision")
    expect(
        page.get_by_role("status").filter(has_text=f"Decision recorded: act no. {request + 1}.")
    ).to_be_visible()
    expect(page.locator(f"#act-{request + 1}")).to_contain_text(DECISION)
    expect(page.get_by_role("row").filter(has_text="#1")).to_contain_text("running")
    page.goto(f"{d.site}/queue/")
    expect(page.get_by_role("heading", name="Awaiting my decision")).to_be_visible()
    expect(row).to_have_count(0)


def test_a_writ_proceeding_ends_in_a_fine_after_the_7_day_window(
    desk: Callable[[str], Desk],
) -> None:
    d = desk("b")
    s, world = d.s, d.s.world
    with s.at(days(0)):
        register(d, ("188", "1", "small"))
        page = open_investigation(d, "inquiry")
        recognised = d.record(
            page,
            "Recognition as suspect (with the prosecutor's agreement)",
            {"Person (IIN)": VALID_IIN_2, "Grounds": "witnesses"},
        )
        d.decide(
            world.petra, recognised, "Recognition as suspect (with the prosecutor's agreement)"
        )
        page = d.case_page(world.alice)
        d.record(
            page, "Interrogation of the suspect", {"Person (IIN)": VALID_IIN_2, "Summary": "-"}
        )
    with s.at(days(3)):
        page = d.case_page(world.alice)
        d.record(
            page,
            "Suspect's motion for writ proceedings, with the victim's consent",
            {"Person (IIN)": VALID_IIN_2, "The victim consents": True},
        )
        writ = d.record(page, "Order to apply writ proceedings", {"Fine (MRP)": "100"})
        d.decide(world.hector, writ, "Order to apply writ proceedings")
        d.decide(world.petra, writ, "Order to apply writ proceedings")
    assert s.case.stage == "writ_review"
    with s.at(days(5)):
        page = d.case_page(s.trial_judge)
        d.stage(page, "Writ case before the court")
        d.record(page, "Verdict in writ proceedings", {"Fine (MRP)": "100"})
        d.stage(page, "Writ verdict issued")
    with s.at(days(9)):
        # Within the 7 days the parties may still disagree: the verdict is not yet in force.
        page = d.case_page(s.trial_judge)
        refused_now(
            page, "Entry into force", "The period for appeals or objections has not ended yet."
        )
    bailiffs = Agency.objects.create(
        name="Bailiff service", kind=AgencyKind.BAILIFF, authority_code="7581",
        region=world.unit.region,
    )  # fmt: skip
    bailiff = world.official("bailiff", bailiffs, Role.BAILIFF)
    with s.at(days(13)):
        page = d.case_page(s.trial_judge)
        d.record(page, "Entry into force")
        d.record(
            page,
            "Order for the execution of the sentence",
            {"Punishment": "fine", "Fine (MRP)": "100", "Executing institution": str(bailiffs.pk)},
        )
    with s.at(days(20)):
        execution_confirmed(d, bailiff, "fine paid to the budget")
    case = s.case
    assert case.stage == "closed"
    assert from_json(case.procedure).persons[SUSPECT].status == "convicted"
    assert s.clocks("R21", "R23") == {"R21": "met", "R23": "met"}
    assert verify_case(case) == []


def test_custody_refused_release_then_termination_with_the_victim_told(
    desk: Callable[[str], Desk],
) -> None:
    d = desk("c")
    s, world = d.s, d.s.world
    with s.at(hours(0)):
        register(d, ("188", "2", "medium"))
        page = open_investigation(d, "preliminary")
        admit(d, page, "victim", VALID_IIN, "Testov", email="victim@example.kz")
    with s.at(hours(2)):
        detain(d, d.case_page(world.alice), detained_at=hours(1))
    with s.at(hours(20)):
        motion = custody_motion(d)
    with s.at(hours(30)):
        d.decide(
            s.judge, motion, "Motion for custody", "refused", reasons="no risk of flight shown"
        )
        page = d.case_page(world.alice)
        d.record(page, "Release", {"Person (IIN)": VALID_IIN_2, "Grounds": "custody refused"})
    assert s.clocks("R39") == {"R39": "met"}
    person = from_json(s.case.procedure).persons[SUSPECT]
    assert person.detained_at is None
    assert person.custody_until is None
    with s.at(days(20)):
        page = d.case_page(world.alice)
        termination = d.record(
            page,
            "Termination (prosecutor's approval)",
            {"Ground": "no corpus delicti", "Rehabilitating ground": True},
        )
        d.stage(page, "Termination pending approval")
    with s.at(days(22)):
        d.decide(world.petra, termination, "Termination (prosecutor's approval)")
        page = d.case_page(world.petra, "/supervision/")
        d.stage(page, "Terminated")
    case = s.case
    assert case.stage == "terminated"
    assert verify_case(case) == []
    # The victim is sent a copy of the termination (art. 288) through the outbox.
    assert Notification.objects.filter(
        case=case, act_seq=termination, address="victim@example.kz"
    ).exists()
    outbox_deliver()
    assert any("victim@example.kz" in m.to for m in mail.outbox)
