"""Demo data for settlement and the fund: a month settled and paid, last month in review, a
recovery, a year of contribution income and fees, and this year's budget.

Runs after the care and visits demos (it settles their beneficiaries under the policy in force
for the demo city, Chengdu). Months are counted back from today (``core.clock``): the month
before last is paid; last month is left as on a working day, for a person trying the demo to
carry to payment through the pages: one claim through its first review (waiting for the
second), one submitted (waiting for the first review), and the others drafts waiting for their
institution's administrator to submit, among them ``careadmin``'s, which carries a recovery of
a line paid the month before. Every step goes through the services, as the demo users would do
it: the institution's administrator submits, a case worker reviews first, a supervisor of the
same insurer second, the bureau pays. Idempotent: a period that exists is not opened again, a
claim past a step is not moved again, a month's income is recorded once.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from django.db import transaction

from changhu.core import clock, months, scope
from changhu.core.errors import DomainError
from changhu.fund import services as fund_services
from changhu.fund.models import LTCI_FUND, BudgetLine, Contribution
from changhu.orgs.models import Region, User
from changhu.orgs.roles import Right, Role
from changhu.providers.models import Institution
from changhu.settlement import adjustments, policies, services
from changhu.settlement.models import (
    Claim,
    ClaimLine,
    ClaimStatus,
    InstitutionTariff,
    LineSource,
    PeriodStatus,
    SettlementPeriod,
)

CITY = "510100"
# Classes and daily bed charges by the institution's kind (demo values).
TARIFFS = {
    "hospital_ward": ("hospital_2", 16000),
    "nursing_home": ("elderly_home", 12000),
    "primary_clinic": ("hospital_1", 9000),
    "home_service": ("", 0),
}


# Demo logins by step, the main insurer's first; each claim goes to the one covering it.
FIRST_REVIEWERS = ("caseworker", "caseworker2")
SECOND_REVIEWERS = ("supervisor", "supervisor2")


class SettlementDemoNotReady(DomainError):
    status = 409
    code = "settlement_demo_not_ready"
    message = "请先运行 changhu seed-demo 生成演示城市、护理机构和待遇资格"


@dataclass
class SettlementDemoReport:
    periods: list[str] = field(default_factory=list)
    tariffs: int = 0
    contributions: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        return [
            f"settlement demo: {', '.join(self.periods) or 'no period'}; {self.tariffs} tariffs, "
            f"{self.contributions} months of income recorded ({self.seconds:.1f}s)"
        ]


def _month(day: dt.date, back: int) -> str:
    return months.key(months.shift(day, -back))


def _user(username: str, fallback: User) -> User:
    return User.objects.filter(username=username, is_active=True).first() or fallback


def seed_settlement_demo(*, today: dt.date | None = None) -> SettlementDemoReport:
    """See the module docstring; returns what was done."""
    started = time.monotonic()
    report = SettlementDemoReport()
    admin = User.objects.filter(is_superuser=True, role="", is_active=True).order_by("pk").first()
    if admin is None or not Region.objects.filter(code=CITY).exists():
        raise SettlementDemoNotReady()
    policies.load_all_policies()
    today = today or clock.today()
    with transaction.atomic():
        report.tariffs = _tariffs(admin, today)
        paid = _period(admin, _month(today, 2))
        if paid is not None and paid.status != PeriodStatus.PAID:
            for claim in Claim.objects.filter(period=paid).order_by("pk"):
                _advance(claim, admin, ClaimStatus.APPROVED)
            services.period_pay(actor=_user("bureau", admin), period_id=paid.pk)
        review = _period(admin, _month(today, 1))
        if review is not None:
            _review_month(review, paid, admin)
        report.contributions = _income(admin, today, paid)
    for period in (paid, review):
        if period is not None:
            period.refresh_from_db()
            report.periods.append(f"{period.month} {period.get_status_display()}")
    report.seconds = time.monotonic() - started
    return report


def _tariffs(admin, today: dt.date) -> int:
    created = 0
    for institution in Institution.objects.filter(region_code__startswith=CITY[:4]).select_related(
        "organization"
    ):
        if InstitutionTariff.objects.filter(institution=institution).exists():
            continue
        cls, charge = TARIFFS.get(institution.organization.care_kind, ("", 0))
        InstitutionTariff.objects.create(
            institution=institution,
            valid_from=dt.date(today.year - 2, 1, 1),
            institution_class=cls,
            bed_day_fen=charge,
            note="演示数据",
            created_by=admin,
        )
        created += 1
    return created


def _period(admin, month: str) -> SettlementPeriod | None:
    existing = SettlementPeriod.objects.filter(month=month, region__code=CITY).first()
    period = existing or services.period_open(actor=admin, month=month, region_code=CITY)
    if period.status in (PeriodStatus.OPEN, PeriodStatus.COMPUTING):
        services.period_compute(actor=admin, period_id=period.pk, source="demo")
        period.refresh_from_db()
    return period


def _in_scope(user, claim: Claim) -> bool:
    s = scope.scope_of(user)
    return s.unrestricted or s.covers_region(claim.institution.region_code)


def _reviewer(usernames: tuple[str, ...], claim: Claim, admin, *, not_user=None) -> User:
    """The first of the demo logins whose insurer covers the claim's institution."""
    for username in usernames:
        user = _user(username, admin)
        if user.role and _in_scope(user, claim) and user.pk != getattr(not_user, "pk", None):
            return user
    return admin


def _care_admin(claim: Claim, admin) -> User:
    user = (
        User.objects.filter(
            organization_id=claim.institution.organization_id,
            role=Role.CARE_ADMIN,
            is_active=True,
        )
        .order_by("pk")
        .first()
    )
    return user or admin


def _advance(claim: Claim, admin, target: str) -> None:
    """Move a claim through the steps up to ``target``, each step by its proper demo user."""
    order = [
        ClaimStatus.DRAFT,
        ClaimStatus.SUBMITTED,
        ClaimStatus.FIRST_REVIEWED,
        ClaimStatus.APPROVED,
    ]
    claim = Claim.objects.select_related("institution").get(pk=claim.pk)
    first = _reviewer(FIRST_REVIEWERS, claim, admin)
    second = _reviewer(SECOND_REVIEWERS, claim, admin, not_user=first)
    while order.index(claim.status) < order.index(target):
        if claim.status == ClaimStatus.DRAFT:
            services.claim_submit(actor=_care_admin(claim, admin), claim_id=claim.pk)
        elif claim.status == ClaimStatus.SUBMITTED:
            services.claim_first_review(
                actor=first, claim_id=claim.pk, approve=True, reason="演示：初审通过"
            )
        else:
            services.claim_second_review(
                actor=second, claim_id=claim.pk, approve=True, reason="演示：复核通过"
            )
        claim.refresh_from_db()


def _review_month(review: SettlementPeriod, paid: SettlementPeriod | None, admin) -> None:
    """Last month as on a working day (see the module docstring); once only: a month whose
    claims have moved, or that carries the recovery, is left as it is."""
    claims = list(Claim.objects.filter(period=review).select_related("institution").order_by("pk"))
    if (
        not claims
        or review.status == PeriodStatus.PAID
        or any(c.status != ClaimStatus.DRAFT for c in claims)
        or ClaimLine.objects.filter(period=review, source=LineSource.ADJUSTMENT).exists()
    ):
        return
    careadmin = User.objects.filter(username="careadmin", role=Role.CARE_ADMIN).first()
    own = next(
        (
            c
            for c in claims
            if careadmin and c.institution.organization_id == careadmin.organization_id
        ),
        None,
    )
    # The claims the main insurer's logins (caseworker, supervisor) review come first.
    supervisor = _user("supervisor", admin)
    others = sorted(
        (c for c in claims if c is not own), key=lambda c: (not _in_scope(supervisor, c), c.pk)
    )
    if others:
        _advance(others[0], admin, ClaimStatus.FIRST_REVIEWED)
    if len(others) > 1:
        submitted = others[1]
        line = ClaimLine.objects.filter(claim=submitted, status="payable").order_by("pk").first()
        if line is not None:
            services.line_withdraw(
                actor=_care_admin(submitted, admin),
                line_id=line.pk,
                reason="演示：当月未提供服务",
            )
        _advance(submitted, admin, ClaimStatus.SUBMITTED)
    target = own or (others[-1] if len(others) > 2 else None)
    if paid is None or target is None:
        return
    original = (
        ClaimLine.objects.filter(
            period=paid,
            status="payable",
            tier=1,
            fund_fen__gt=1000,
            institution_id=target.institution_id,
        )
        .order_by("pk")
        .first()
    )
    if original is None:
        return
    worker = next(
        (
            u
            for u in User.objects.filter(role=Role.INSURER_CASE_WORKER, is_active=True)
            if scope.scope_of(u).can(Right.SETTLEMENT_ADJUST)
            and scope.scope_of(u).covers_region(original.institution.region_code)
        ),
        admin,
    )
    adjustments.adjustment_create(
        actor=worker,
        line_id=original.pk,
        period_id=review.pk,
        amount_fen=-min(original.fund_fen, 10000),
        reason="演示：回访核实上月有3天未提供服务，追回相应待遇",
    )


def _income(admin, today: dt.date, paid: SettlementPeriod | None) -> int:
    """A year of contributions by source and monthly fees, sized to the settled month."""
    monthly_benefit = max(paid.fund_fen if paid else 0, 20_000_000)
    shares = {"individual": 30, "employer": 55, "subsidy": 27}  # per cent of the benefits
    recorded = 0
    for back in range(12, -1, -1):
        month = _month(today, back)
        if Contribution.objects.filter(fund=LTCI_FUND, period=month).exists():
            continue
        for source, share in shares.items():
            fund_services.contribution_record(
                actor=admin,
                period=month,
                source=source,
                amount_fen=monthly_benefit * share // 100,
                payer_count={"individual": 412_000, "employer": 18_600, "subsidy": 1}[source],
                note="演示数据",
            )
        fund_services.fee_record(
            actor=admin,
            period=month,
            amount_fen=monthly_benefit // 40,
            memo=f"{month}经办服务费（演示）",
        )
        recorded += 1
    year = today.year
    for line, share in [
        (BudgetLine.INCOME_INDIVIDUAL, 30),
        (BudgetLine.INCOME_EMPLOYER, 55),
        (BudgetLine.INCOME_SUBSIDY, 27),
        (BudgetLine.BENEFIT_EXPENSE, 100),
        (BudgetLine.FEE, 3),
    ]:
        fund_services.budget_set(
            actor=admin,
            year=year,
            line=line,
            amount_fen=monthly_benefit * 12 * share // 100,
            note="演示预算",
        )
    return recorded
