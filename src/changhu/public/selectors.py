"""Every read of the public site.

Two kinds, kept apart:

- **what anyone may read** (no sign-in, no scope): the designated institutions with an
  agreement in force, the assessment results under publicity today with names masked, the
  fund's yearly income and expenditure, and the published articles. Each reads only the columns
  the rules publish and returns plain rows, so a page cannot reach a personal field by accident;
- **what staff read**: consultations in their scope (by the district the person chose; the
  city's own when none was chosen) and the articles the bureau edits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum

from changhu.core import clock, months, scope
from changhu.core.masking import mask_name
from changhu.orgs.models import Region, RegionLevel
from changhu.orgs.roles import Right
from changhu.public import markup
from changhu.public.models import Article, Consultation, ConsultationStatus

# --- scope ----------------------------------------------------------------------------------


@scope.register(Consultation)
def _consultation_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """Staff holding the right: the consultations of their regions (the bureau: all the city's,
    including those with no district chosen)."""
    if not s.can(Right.CONSULTATION_VIEW):
        return queryset.none()
    return queryset.filter(s.region_q("region_code"))


@scope.register(Article)
def _article_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    """The bureau: the articles of its city."""
    if not s.can(Right.PUBLIC_CONTENT):
        return queryset.none()
    return queryset.filter(s.region_q("region_code"))


# --- districts ------------------------------------------------------------------------------


def district_names(codes) -> dict[str, str]:
    """District code (6 digits) -> name, for the division codes given (any level)."""
    prefixes = {c[:6] for c in codes if c and len(c) >= 6}
    return dict(
        Region.objects.filter(code__in=prefixes, level=RegionLevel.DISTRICT).values_list(
            "code", "name"
        )
    )


def city_districts() -> list[tuple[str, str]]:
    """The districts people may choose on the consultation form: those of the cities where
    there are designated institutions (else every active district), by code."""
    from changhu.providers.models import Institution

    cities = {c[:4] for c in Institution.objects.values_list("region_code", flat=True) if c}
    qs = Region.objects.filter(level=RegionLevel.DISTRICT, active=True)
    if cities:
        q = Q()
        for prefix in cities:
            q |= Q(code__startswith=prefix)
        qs = qs.filter(q)
    return list(qs.order_by("code").values_list("code", "name"))


# --- designated institutions ----------------------------------------------------------------


@dataclass(frozen=True)
class PublicInstitution:
    name: str
    district_code: str
    district: str
    address: str
    care_kind: str  # a label
    care_modes: list[str]  # labels
    beds: int
    agreement_until: dt.date | None
    phone: str  # the institution's published contact number


def _agreements_in_force(day: dt.date) -> Q:
    from changhu.providers.models import AgreementStatus

    open_ended = Q(ended_on__isnull=True, valid_until__gte=day) & ~Q(
        status=AgreementStatus.TERMINATED
    )
    return Q(valid_from__lte=day) & (open_ended | Q(ended_on__gte=day))


def designated_institutions(*, district: str = "", care_mode: str = "") -> list[PublicInstitution]:
    """定点护理机构: institutions in good standing (not suspended or terminated) with a service
    agreement in force today, by district then name; optionally of one district or care mode."""
    from changhu.orgs.models import CareKind
    from changhu.providers.models import Agreement, CareMode, Institution, InstitutionStatus

    today = clock.today()
    in_force = Agreement.objects.filter(_agreements_in_force(today))
    until = {}
    for institution_id, last in in_force.values_list("institution_id", "valid_until"):
        until[institution_id] = max(last, until.get(institution_id, last))
    qs = Institution.objects.filter(status=InstitutionStatus.ACTIVE, pk__in=list(until))
    if district:
        qs = qs.filter(region_code__startswith=district)
    if care_mode:
        # JSON containment differs between backends; the mode lists are short, so filter by text.
        qs = qs.filter(care_modes__icontains=f'"{care_mode}"')
    rows = list(
        qs.select_related("organization").only(
            "pk",
            "region_code",
            "care_modes",
            "beds",
            "organization__name",
            "organization__address",
            "organization__care_kind",
            "organization__contact_phone",
        )
    )
    names = district_names(r.region_code for r in rows)
    modes = dict(CareMode.choices)
    kinds = dict(CareKind.choices)
    out = [
        PublicInstitution(
            name=i.organization.name,
            district_code=i.region_code[:6],
            district=names.get(i.region_code[:6], ""),
            address=i.organization.address,
            care_kind=kinds.get(i.organization.care_kind, ""),
            care_modes=[modes[m] for m in CareMode.values if m in (i.care_modes or [])],
            beds=i.beds,
            agreement_until=until.get(i.pk),
            phone=i.organization.contact_phone,
        )
        for i in rows
    ]
    return sorted(out, key=lambda r: (r.district_code, r.name))


def institution_districts() -> list[tuple[str, str]]:
    """The districts that have designated institutions, for the filter."""
    rows = designated_institutions()
    return sorted({(r.district_code, r.district) for r in rows if r.district})


# --- the publicity list ---------------------------------------------------------------------


@dataclass(frozen=True)
class PublicityRow:
    name: str  # masked
    district: str
    grade: str
    publicity_from: dt.date
    publicity_until: dt.date


def publicity_today() -> list[PublicityRow]:
    """评估结果公示: the cases under publicity whose period includes today, as the rules publish
    them: the name masked (张*丰), the district, the grade and the period; nothing else (no ID
    number, no address, no phone, no case number)."""
    from changhu.assessment.models import Application, Status

    today = clock.today()
    rows = (
        Application.objects.filter(
            status=Status.PUBLICITY, publicity_from__lte=today, publicity_until__gte=today
        )
        .select_related("person", "current_assessment")
        .only(
            "region_code",
            "publicity_from",
            "publicity_until",
            "person__name",
            "current_assessment__grade_label",
        )
        .order_by("publicity_until", "region_code", "id")
    )
    rows = list(rows)
    names = district_names(a.region_code for a in rows)
    return [
        PublicityRow(
            name=mask_name(a.person.name),
            district=names.get(a.region_code[:6], ""),
            grade=a.current_assessment.grade_label if a.current_assessment else "",
            publicity_from=a.publicity_from,
            publicity_until=a.publicity_until,
        )
        for a in rows
    ]


# --- the fund's yearly summary --------------------------------------------------------------


@dataclass(frozen=True)
class FundYear:
    year: int
    through_month: int  # 12 for a closed year; the last month counted for the current one
    income: dict[str, int]  # label -> fen
    benefit_fen: int
    fee_fen: int
    closing_balance_fen: int

    @property
    def income_fen(self) -> int:
        return sum(self.income.values())

    @property
    def expenditure_fen(self) -> int:
        return self.benefit_fen + self.fee_fen

    @property
    def net_fen(self) -> int:
        return self.income_fen - self.expenditure_fen

    @property
    def complete(self) -> bool:
        return self.through_month == 12


def fund_years() -> list[FundYear]:
    """基金年度收支概况: the city fund's income by source, benefits (net of recoveries), fees
    and the balance at the end of each year, from the ledger's postings; the current year up
    to the last finished month. Totals only: no person, institution or entry is named."""
    from changhu.fund.models import INCOME_ACCOUNTS, LTCI_FUND, Account, Posting

    current = months.key(clock.today())
    cells: dict[int, dict[str, int]] = {}
    last_month: dict[int, int] = {}
    bank = 0
    balances: dict[int, int] = {}
    rows = (
        Posting.objects.filter(fund=LTCI_FUND, period__lt=current)
        .values("period", "account")
        .annotate(d=Sum("debit_fen"), c=Sum("credit_fen"))
        .order_by("period")
    )
    for row in rows:
        year, month = int(row["period"][:4]), int(row["period"][5:7])
        amount = (row["d"] or 0) - (row["c"] or 0)
        cell = cells.setdefault(year, {})
        cell[row["account"]] = cell.get(row["account"], 0) + amount
        last_month[year] = max(month, last_month.get(year, 0))
    for year in sorted(cells):
        bank += cells[year].get(Account.BANK, 0)
        balances[year] = bank
    this_year = clock.today().year
    out = []
    for year in sorted(cells, reverse=True):
        cell = cells[year]
        out.append(
            FundYear(
                year=year,
                through_month=12 if year < this_year else last_month[year],
                income={
                    Account(a).label: -cell.get(a, 0) for a in INCOME_ACCOUNTS if cell.get(a, 0)
                },
                benefit_fen=cell.get(Account.BENEFIT_EXPENSE, 0) + cell.get(Account.RECOVERY, 0),
                fee_fen=cell.get(Account.FEE, 0),
                closing_balance_fen=balances[year],
            )
        )
    return out


# --- articles -------------------------------------------------------------------------------


def published_articles(kind: str = "") -> list[Article]:
    qs = Article.objects.filter(published=True)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("kind", "order", "id"))


def published_article(article_id: int) -> Article | None:
    return Article.objects.filter(published=True, pk=article_id).first()


def article_summary(article: Article, limit: int = 60) -> str:
    text = article.summary or markup.plain_text(article.body)
    return text if len(text) <= limit else text[:limit] + "…"


def article_list(*, fetched_by) -> QuerySet:
    """The articles the bureau edits, published or not."""
    scope.require(fetched_by, Right.PUBLIC_CONTENT)
    return scope.scoped(Article.objects.select_related("updated_by"), fetched_by).order_by(
        "kind", "order", "id"
    )


def article_get(*, fetched_by, article_id: int) -> Article:
    scope.require(fetched_by, Right.PUBLIC_CONTENT)
    return scope.get_scoped(Article.objects.all(), fetched_by, pk=article_id)


# --- consultations (staff) ------------------------------------------------------------------


def consultation_list(*, fetched_by, status: str = "") -> QuerySet:
    scope.require(fetched_by, Right.CONSULTATION_VIEW)
    qs = scope.scoped(Consultation.objects.all(), fetched_by)
    if status == "open":
        qs = qs.filter(status=ConsultationStatus.RECEIVED)
    elif status in ConsultationStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-received_at", "-id")


def consultation_get(*, fetched_by, consultation_id: int) -> Consultation:
    scope.require(fetched_by, Right.CONSULTATION_VIEW)
    return scope.get_scoped(
        Consultation.objects.select_related("replied_by", "closed_by"),
        fetched_by,
        pk=consultation_id,
    )


def open_consultations_count(user) -> int:
    return scope.scoped(
        Consultation.objects.filter(status=ConsultationStatus.RECEIVED), user
    ).count()
