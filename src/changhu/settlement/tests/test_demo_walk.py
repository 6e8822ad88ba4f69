"""The demo city carries a month from claims to payment through the pages, as the README says:
each institution's administrator submits its draft, the insurer's case worker reviews first,
its supervisor second, the bureau pays, and the payment is in the fund's books on /fund/.

And the demo builds on awkward days: a Saturday, the Spring Festival, the last and first day of
a year (its months and deadlines are counted from the clock)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.test import Client

from changhu.core import clock
from changhu.core.money import format_yuan
from changhu.fund.models import Entry
from changhu.orgs import demo as city_demo
from changhu.orgs.models import User
from changhu.orgs.roles import Role
from changhu.settlement import demo
from changhu.settlement.models import Claim, ClaimStatus, PeriodStatus, SettlementPeriod
from changhu.visits import demo as visits_demo
from tests.demo import seed_city_with_care

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Which demo login does which step (README, "Carry last month from claims to payment").
STEPS = [
    (["careadmin", "careadmin2", "careadmin3", "careadmin4", "careadmin5"], "draft", "submit"),
    (["caseworker", "caseworker2"], "submitted", "first_pass"),
    (["supervisor", "supervisor2"], "first_reviewed", "second_approve"),
]


def _seed() -> None:
    seed_city_with_care(persons=120, care_persons=20)
    visits_demo.seed_visits_demo()
    demo.seed_settlement_demo()


def _login(username: str) -> Client:
    """Sign in on the login page with the published demo password."""
    client = Client()
    signed = client.post("/login/", {"username": username, "password": city_demo.DEMO_PASSWORD})
    assert signed.status_code == 302, username
    return client


def _last_month() -> str:
    return f"{clock.previous_month_start():%Y-%m}"


def test_the_demo_month_goes_from_claims_to_the_fund_through_the_pages():
    _seed()
    month = _last_month()
    period = SettlementPeriod.objects.get(month=month)
    claims = Claim.objects.filter(period=period).select_related("institution")
    assert period.status == PeriodStatus.CLAIMING
    drafts = claims.filter(status=ClaimStatus.DRAFT)
    assert drafts.count() >= 2
    for claim in drafts:  # every waiting institution has its own login
        assert User.objects.filter(
            organization_id=claim.institution.organization_id, role=Role.CARE_ADMIN
        ).exists()

    for usernames, status, action in STEPS:
        for username in usernames:
            client = _login(username)
            listed = client.get(f"/settlement/claims/?status={status}").content.decode()
            for pk in re.findall(r'href="/settlement/claims/(\d+)/"', listed):
                page = client.get(f"/settlement/claims/{pk}/").content.decode()
                assert f"/settlement/claims/{pk}/{action}/" in page, (username, pk)
                done = client.post(f"/settlement/claims/{pk}/{action}/", follow=True)
                assert done.status_code == 200
        left = Claim.objects.filter(period=period, status=status)
        assert not left.exists(), f"{status} left after {usernames}: {list(left)}"
    assert set(claims.values_list("status", flat=True)) == {ClaimStatus.APPROVED}

    bureau = _login("bureau")
    page = bureau.get(f"/settlement/periods/{period.pk}/").content.decode()
    assert f"/settlement/periods/{period.pk}/pay/" in page
    paid = bureau.post(f"/settlement/periods/{period.pk}/pay/", follow=True)
    assert "结算期已锁定" in paid.content.decode()
    period.refresh_from_db()
    assert period.status == PeriodStatus.PAID
    entry = Entry.objects.get(kind="benefit_payment", period=month)
    amount = format_yuan(period.fund_fen)
    assert amount in entry.memo

    books = bureau.get("/fund/entries/").content.decode()
    assert f"{month}待遇拨付" in books and amount in books
    overview = bureau.get(f"/fund/?month={month}").content.decode()
    assert month in overview


@pytest.mark.parametrize(
    "day",
    [
        dt.date(2026, 12, 5),  # a Saturday
        dt.date(2027, 2, 6),  # the Spring Festival
        dt.date(2026, 12, 31),
        dt.date(2027, 1, 1),
    ],
)
def test_the_demo_builds_on_any_day(day, time_machine):
    time_machine.move_to(dt.datetime.combine(day, dt.time(9, 30), tzinfo=SHANGHAI), tick=True)
    _seed()
    months = sorted(SettlementPeriod.objects.values_list("month", "status"))
    before_last = clock.previous_month_start(clock.previous_month_start())
    assert months == [
        (f"{before_last:%Y-%m}", PeriodStatus.PAID),
        (_last_month(), PeriodStatus.CLAIMING),
    ]
    waiting = Claim.objects.filter(period__month=_last_month())
    assert {ClaimStatus.DRAFT, ClaimStatus.SUBMITTED, ClaimStatus.FIRST_REVIEWED} <= set(
        waiting.values_list("status", flat=True)
    )
