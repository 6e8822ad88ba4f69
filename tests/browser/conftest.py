"""Playwright with the system Chromium, against pytest-django's live server."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = os.environ.get("CHANGHU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _allow_orm_beside_playwright(monkeypatch):
    # Playwright's sync API keeps an event loop running in this thread, which trips Django's
    # async-safety check on every ORM call the test makes; the calls really are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def designated_assessment(request):
    """The fixture city's assessment centre is designated and its people are qualified
    assessors, for the flows that dispatch cases (``usefixtures`` in those modules)."""
    from tests.factories import designate_fixture_assessment

    designate_fixture_assessment(request)


def _on_the_suites_clock(chromium) -> None:
    """Every page the browser opens tells the time the server tells: the suite's clock (moved
    to 09:30 Shanghai, ticking; see the root conftest), not the machine's. Otherwise a phone
    page's device time runs ahead of the server's whenever the suite runs after 09:30 Shanghai
    and a check-in is refused as "device time in the future"."""
    new_context = chromium.new_context

    def on_clock(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.clock.install(time=dt.datetime.now(dt.UTC))  # time_machine's now: the suite's
        return context

    chromium.new_context = on_clock


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the page tests need the system Chromium. "
            "Run `make setup` (it installs the `chromium` package) or set CHANGHU_CHROMIUM."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        _on_the_suites_clock(chromium)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860})
    page = context.new_page()
    errors: list[str] = []

    def on_console(message) -> None:
        # A form sent back with its errors is a 422/409 page; Chromium logs those too.
        expected = re.search(r"status of (422|409)\b", message.text)
        if message.type == "error" and not expected:
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    try:
        yield page
    finally:
        context.close()
        # Connections the test opened while Playwright's loop ran live in that context;
        # close them here, or the test database cannot be dropped at the end of the run.
        connections.close_all()


@pytest.fixture
def private_media(settings, tmp_path):
    """Uploads go to a folder of the test's own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def screenshot():
    """Saves a full-page screenshot when CHANGHU_SCREENSHOT_DIR is set (for a human to look)."""
    directory = os.environ.get("CHANGHU_SCREENSHOT_DIR")

    def take(page, name: str) -> None:
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)

    return take
