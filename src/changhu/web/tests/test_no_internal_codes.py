"""Every staff role of the demo city walks its menu, the first page of each list and the first of
each kind of detail page behind it; no page shows an internal code.

People never read ``home_visit``, ``draft → submitted``, ``chengdu@2023.1``, ``national-2021``,
``image/png``, ``ltci``, ``changhu run-jobs`` or English debug text: codes go through the
labels in ``changhu.web.labels`` (``{{ value|label:"kind" }}``). Text inside an element marked
``translate="no"`` (a login name) is meant to be read as it is and is not checked.
"""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client

from changhu.assessment.models import ScaleVersion
from changhu.fund.models import FUND_LABELS
from changhu.orgs.models import User
from changhu.orgs.roles import Role
from changhu.settlement.models import PolicyVersion
from changhu.web import labels
from tests.fixtures import seeded_demo_city

pytestmark = pytest.mark.django_db

# Pages of other modules that still show a code, with the code and why it is left for now.
# Keys are URL shapes (digits as N). Remove an entry once its page is fixed.
KNOWN_LEAKS: dict[str, tuple[set[str], str]] = {}

SKIPPED_PREFIXES = ("/static/", "/media/", "/api/", "/django-admin/", "/pwa/", "/logout/")
MAX_PAGES_PER_ROLE = 400
# Lower-case words are code when they are a stored choice value; words a person may read as
# they are in a Chinese page never collide with these.
DEBUG_WORDS = {"None", "True", "False", "Traceback", "undefined", "null", "NaN", "nan"}
DEBUG_PHRASES = ("Page not found", "Server Error", "DoesNotExist", "Exception Value")
TOKEN = re.compile(r"[A-Za-z0-9_@./:+-]*[A-Za-z][A-Za-z0-9_@./:+-]*")
POLICY_REF = re.compile(r"^[a-z][a-z0-9-]*@\d")
MIME = re.compile(r"^(?:image|application|video|audio|text)/[a-z0-9.+-]+$")
CLI = {"changhu", "run-jobs", "load-presets", "seed-demo", "settlement-worker", "manage.py"}
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
# Elements without an end tag: never pushed on a parser's stack of open elements.
VOID_ELEMENTS = frozenset("area base br col embed hr img input link meta source track wbr".split())


class _Page(HTMLParser):
    """The text a person reads (and the attributes read aloud), and the links in the page."""

    VOID = VOID_ELEMENTS

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, hidden from the check)

    def _hidden(self) -> bool:
        return any(hidden for _, hidden in self._stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        hidden = tag in {"script", "style", "template"} or attributes.get("translate") == "no"
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if not hidden and not self._hidden():
            self.text.extend(attributes.get(name) or "" for name in READ_ATTRIBUTES)
        if tag not in self.VOID:
            self._stack.append((tag, hidden))

    def handle_endtag(self, tag):
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data):
        if not self._hidden():
            self.text.append(data)


def _forbidden_codes() -> set[str]:
    codes = set()
    for choices in labels._choices_classes():
        codes |= {v for v in choices.values if re.fullmatch(r"[a-z][a-z0-9_]{2,}", str(v))}
    codes |= set(PolicyVersion.objects.values_list("code", flat=True))
    codes |= set(ScaleVersion.objects.values_list("code", flat=True))
    codes |= set(FUND_LABELS)
    return codes


def leaks(text: str, codes: set[str]) -> set[str]:
    """The internal codes and debug words in a page's readable text."""
    found = {phrase for phrase in DEBUG_PHRASES if phrase in text}
    for token in TOKEN.findall(text):
        token = token.strip(".:/-")
        if (
            token in codes
            or token in DEBUG_WORDS
            or token in CLI
            or POLICY_REF.match(token)
            or MIME.match(token)
        ):
            found.add(token)
    return found


def shape(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + (f"?{'&'.join(keys)}" if keys else "")


def _followable(href: str) -> str | None:
    href = href.split("#", 1)[0]
    if not href.startswith("/") or href.startswith("//") or href.startswith(SKIPPED_PREFIXES):
        return None
    return href


def walk(client: Client, read, *, depth: int, limit: int) -> int:
    """Breadth first from the home page, one URL of each shape, at most ``limit`` requests and
    ``depth`` links away. ``read(url, response)`` checks a page and gives back its links (none
    when the page is not one to follow). Returns the number of pages requested."""
    seen_shapes: set[str] = set()
    queue: list[tuple[str, int]] = [("/", 0)]
    visited = 0
    while queue and visited < limit:
        url, away = queue.pop(0)
        if shape(url) in seen_shapes:
            continue
        seen_shapes.add(shape(url))
        response = client.get(url)
        visited += 1
        links = read(url, response)
        if away < depth:
            for href in links:
                target = _followable(href)
                if target is not None and shape(target) not in seen_shapes:
                    queue.append((target, away + 1))
    return visited


def is_html_page(response) -> bool:
    return response.status_code == 200 and "text/html" in response.headers["Content-Type"]


def crawl(client: Client, codes: set[str]) -> tuple[dict[str, set[str]], dict[str, int], int]:
    """Menu pages, then the first link of each shape found on them, then once more."""
    home = client.get("/")
    assert home.status_code == 200
    found: dict[str, set[str]] = {}
    failed: dict[str, int] = {}

    def read(url, response) -> list[str]:
        if response.status_code >= 400:
            failed[url] = response.status_code
        if not is_html_page(response):
            return []
        page = _Page()
        page.feed(response.content.decode())
        codes_here = leaks(" ".join(page.text), codes)
        if codes_here:
            found[url] = codes_here
        return page.links

    visited = walk(client, read, depth=3, limit=MAX_PAGES_PER_ROLE)
    return found, failed, visited


@pytest.fixture
def demo_city(db):
    with seeded_demo_city(persons=60):
        yield


def test_leaks_finds_codes_and_debug_text():
    codes = {"home_visit", "draft", "submitted", "chengdu", "ltci"}
    text = "状态：draft → submitted 方式 home_visit 政策 chengdu@2023.1（national-2021）"
    text += " image/png None 请运行 changhu run-jobs 基金 ltci"
    assert leaks(text, codes) == {
        "draft",
        "submitted",
        "home_visit",
        "chengdu@2023.1",
        "image/png",
        "None",
        "changhu",
        "run-jobs",
        "ltci",
    }
    assert leaks("现场.png 2026-12-05 PG20261205ABCDEF 成都市2023版 SH01 Excel", codes) == set()


def test_translate_no_marks_text_read_as_it_is():
    page = _Page()
    page.feed('<p>登录名 <span translate="no">caregiver</span>，<b title="home_visit">x</b></p>')
    assert "caregiver" not in " ".join(page.text) and "home_visit" in page.text


def test_no_page_shows_an_internal_code(demo_city):
    codes = _forbidden_codes()
    staff = User.objects.exclude(role="").filter(is_active=True).order_by("username")
    assert staff.count() >= 9
    leaked: dict[str, dict[str, set[str]]] = defaultdict(dict)
    broken: dict[str, dict[str, int]] = {}
    for user in staff:
        client = Client()
        client.force_login(user)
        found, failed, visited = crawl(client, codes)
        assert visited > 1 or user.role == Role.APPLICANT, user.username
        for url, codes_here in found.items():
            known, _reason = KNOWN_LEAKS.get(shape(url), (set(), ""))
            if codes_here - known:
                leaked[user.username][url] = codes_here - known
        if failed:
            broken[user.username] = failed
    assert not broken, f"links that lead to an error page: {broken}"
    assert not leaked, f"pages that show internal codes: {dict(leaked)}"
