"""Forms in a real browser: a field says what is wrong when it is left, in the page's language,
and nothing is sent while one is wrong; an attachment shows its progress while it is sent."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tergeu.journal.models import Act
from tergeu.registry.models import CrimeReport
from tests.browser import sign_in
from tests.conftest import VALID_IIN, World

pytestmark = pytest.mark.browser

# Every text the upload status shows, kept across the page load that follows the upload.
RECORD_STATUS = """
document.addEventListener("DOMContentLoaded", () => {
  new MutationObserver(() => {
    const status = document.querySelector(".upload-status");
    if (!status || !status.textContent) return;
    const seen = JSON.parse(sessionStorage.getItem("upload") || "[]");
    seen.push(status.textContent);
    sessionStorage.setItem("upload", JSON.stringify(seen));
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
});
"""


def test_a_wrong_field_is_named_before_anything_is_sent(page: Page, site: str) -> None:
    sign_in(page, site, "rita")
    page.goto(f"{site}/reports/new/")
    iin = page.get_by_label("Applicant's IIN")
    iin.fill("12")
    iin.press("Tab")
    error = page.locator("#id_iin_error")
    expect(error).to_have_text("An IIN is 12 digits.")
    expect(iin).to_have_attribute("aria-invalid", "true")
    expect(iin).to_have_attribute("aria-describedby", "id_iin_helptext id_iin_error")
    iin.fill(VALID_IIN)
    expect(error).to_have_count(0)
    # The register is asked as the IIN is typed: this person is new to it.
    expect(page.locator("#id_iin_lookup")).to_contain_text("Not yet in the register")
    expect(iin).not_to_have_attribute("aria-invalid", "true")
    # The summary is required: the form is not sent, the message stands by the field and the
    # field has the focus.
    page.get_by_role("button", name="Enter the report").click()
    summary = page.get_by_label("Summary")
    expect(page.locator("#id_summary_error")).to_have_text("This field is required.")
    expect(summary).to_be_focused()
    expect(page).to_have_url(f"{site}/reports/new/")
    assert not CrimeReport.objects.exists()
    # In Russian, the same message in Russian.
    page.get_by_role("button", name="Русский").click()
    page.get_by_role("button", name="Внести сообщение").click()
    expect(page.locator("#id_summary_error")).to_have_text("Обязательное поле.")


def test_an_attachment_shows_its_progress(page: Page, site: str, world: World) -> None:
    from tests.test_flow_api import register_case

    case_id = register_case(world)["case_id"]
    page.add_init_script(RECORD_STATUS)
    sign_in(page, site, "rita")
    page.goto(f"{site}/cases/{case_id}/")
    page.locator("details.action summary", has_text="Attach a file").click()
    payload = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)
    page.get_by_label("File").set_input_files(
        {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": payload}
    )
    page.get_by_role("button", name="Attach").click()
    expect(page.get_by_text("The file is attached.")).to_be_visible()
    expect(page).to_have_url(f"{site}/cases/{case_id}/#journal")
    seen = page.evaluate("JSON.parse(sessionStorage.getItem('upload') || '[]')")
    assert seen, "the status never showed"
    assert seen[-1] == "Sending the file: 100%", seen
    # The page it ends on works as any other: its forms are fetched when opened.
    page.locator("details.action summary", has_text="Note").click()
    expect(page.get_by_label("Text")).to_be_visible()
    attached = Act.objects.get(case_id=case_id, kind="attachment")
    assert attached.payload["filename"] == "scan.pdf"
    assert attached.payload["size"] == len(payload)
