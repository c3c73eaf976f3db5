"""What the browser tests share: Debian's chromium driven by Playwright against the live server,
the sign-in of an official, and where screenshots are kept (the test artifacts).

The fixtures are registered by tests/conftest.py; the tests need /usr/bin/chromium
(`scripts/setup.sh test` installs it) and never download a browser."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.conftest import World

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(os.environ.get("TERGEU_SCREENSHOTS", "var/screenshots"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "en-US"}


@pytest.fixture(scope="session")
def _sync_db_beside_playwright() -> Iterator[None]:
    """Playwright's sync API keeps an event loop running in the main thread from its start to
    the end of the session, so Django takes every ORM call made there (database set-up,
    fixtures, assertions, and the tests that run after these) for one from async code. There is
    no async code in tergeu, so the check is lifted for the rest of the session, from the first
    test that uses the live server (`site`)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def site(
    _sync_db_beside_playwright: None, live_server: Any, flushable_journal: Any, world: World
) -> str:
    """The live server's address (its database committed, and emptied after the test), with
    the personas of `world`."""
    return str(live_server.url)


# Run in every document before its own scripts (by the browser's debugging protocol, which the
# page's Content-Security-Policy does not govern): each violation of the policy is told on the
# console, where `policy_violations` collects it.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`Content Security Policy violation: ${e.effectiveDirective} blocked `
    + `${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


def policy_violations(page: Page) -> list[str]:
    """A list that fills with every Content-Security-Policy violation on `page` from now on,
    as the page reports it and as the browser logs it."""
    found: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            found.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return found


def sign_in(page: Page, site: str, username: str) -> None:
    """Sign in on the login page as `username` (password `pw-<username>-123`)."""
    page.goto(f"{site}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"pw-{username}-123")
    page.get_by_role("button", name="Sign in", exact=True).click()
    # Each role lands on its own workspace (tergeu.web.context.landing).
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"/login/"))
