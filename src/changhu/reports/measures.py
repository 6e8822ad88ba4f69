"""The measures report definitions refer to: named, set-based queries over the tables the work
uses. Each measure says which rows lie behind it for a reporting window (unscoped: the caller
narrows them), where those rows keep their division code, how they break down, and what it
adds up. A breakdown is one ``GROUP BY`` query, whatever the number of districts or grades;
only portable ORM expressions are used, so the same query runs on SQLite and PostgreSQL.

Stocks (beneficiaries, enrolled persons, caregivers) are counted on the window's last day (the
as-of day); flows (applications, visits, payments) over the window's days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Substr
from django.utils import timezone

from changhu.orgs.roles import Right

DISTRICT = "district"


@dataclass(frozen=True)
class Window:
    """A reporting period: its days (inclusive) and the as-of day (its last)."""

    period: str
    first: dt.date
    last: dt.date

    @property
    def as_of(self) -> dt.date:
        return self.last

    def _at(self, day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

    @property
    def start_at(self) -> dt.datetime:
        return self._at(self.first)

    @property
    def end_at(self) -> dt.datetime:
        """The first instant after the window."""
        return self._at(self.last + dt.timedelta(days=1))

    def at_q(self, field_name: str) -> Q:
        return Q(**{f"{field_name}__gte": self.start_at, f"{field_name}__lt": self.end_at})

    def day_q(self, field_name: str) -> Q:
        return Q(**{f"{field_name}__gte": self.first, f"{field_name}__lte": self.last})

    @property
    def months(self) -> list[str]:
        months, day = [], self.first
        while day <= self.last:
            months.append(f"{day:%Y-%m}")
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return months


Expression = Callable[[Window], object]
Prefixes = tuple[str, ...] | list[str] | None
Getter = Callable[[object], object]


def _field(path: str) -> Expression:
    return lambda window: Coalesce(F(path), Value(""), output_field=CharField())


def _int_field(path: str) -> Expression:
    return lambda window: F(path)


@dataclass(frozen=True)
class Measure:
    code: str
    label: str  # Chinese
    unit: str  # Chinese: 人、件、元、小时
    rows: Callable[[Window], QuerySet]
    region: str | None  # the division-code field of the rows (None: the whole pooling area)
    dimensions: dict[str, Expression]
    value: Callable[[], object] = lambda: Count("pk")
    money: bool = False  # fen, shown as yuan
    divisor: int = 1  # minutes shown as hours: 60
    right: str | None = None  # a right the requester must hold for the figure to be computed
    columns: tuple[tuple[str, Getter], ...] = field(default_factory=tuple)
    what: str = ""  # what one drill-down row is, in Chinese

    def dimension(self, code: str, window: Window):
        if code == DISTRICT:
            if self.region is None:
                return Value("")
            return Substr(self.region, 1, 6)
        return self.dimensions[code](window)

    def supports(self, code: str) -> bool:
        return code == DISTRICT or code in self.dimensions

    def within(self, qs: QuerySet, prefixes: Prefixes) -> QuerySet:
        """``qs`` narrowed to the division-code prefixes (None: every region)."""
        if self.region is None or prefixes is None:
            return qs
        q = Q(pk__in=[])
        for prefix in prefixes:
            q |= Q(**{f"{self.region}__startswith": prefix})
        return qs.filter(q)

    def figures(
        self, window: Window, prefixes: Prefixes, by: tuple[str, ...] = ()
    ) -> dict[tuple, object]:
        """The measure's value per combination of the ``by`` dimensions' keys, in one query."""
        qs = self.within(self.rows(window), prefixes)
        names = {f"d{i}": self.dimension(code, window) for i, code in enumerate(by)}
        if names:
            grouped = qs.annotate(**names).values(*names).annotate(v=self.value()).order_by()
            found = {tuple(row[n] for n in names): row["v"] or 0 for row in grouped}
        else:
            found = {(): qs.aggregate(v=self.value())["v"] or 0}
        return {key: self.finish(value) for key, value in found.items()}

    def finish(self, value):
        if self.divisor == 1:
            return int(value)
        return float(
            (Decimal(int(value)) / self.divisor).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        )

    def drill(self, window: Window, prefixes: Prefixes, keys: dict[str, str]) -> QuerySet:
        """The rows behind one figure (unscoped): the window, the run's regions and the keys of
        the figure's row and column."""
        qs = self.within(self.rows(window), prefixes)
        for index, (code, key) in enumerate(keys.items()):
            name = f"k{index}"
            qs = qs.annotate(**{name: self.dimension(code, window)})
            value = int(key) if key.lstrip("-").isdigit() and code == "grade" else key
            qs = qs.filter(**{name: value})
        return qs


REGISTRY: dict[str, Measure] = {}


def register(measure: Measure) -> Measure:
    REGISTRY[measure.code] = measure
    return measure


def get(code: str) -> Measure | None:
    return REGISTRY.get(code)


# --- columns of drill-down rows ---------------------------------------------------------------


def _person(row) -> str:
    person = getattr(row, "person", row)
    return f"{person.name}（{person.id_number_masked}）"


def _date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return f"{value:%Y-%m-%d}"


def _yuan(fen) -> str:
    from changhu.core.money import format_yuan

    return format_yuan(fen or 0)


# --- enrolment --------------------------------------------------------------------------------


def _enrolled_on(day_q: Callable[[str, str], Q]):
    def rows(window: Window) -> QuerySet:
        from changhu.insured.models import EnrolmentPeriod, Person

        periods = EnrolmentPeriod.objects.filter(person=OuterRef("pk")).filter(day_q(window, ""))
        return Person.objects.filter(Exists(periods))

    return rows


def _covering(window: Window, _: str) -> Q:
    return Q(start_date__lte=window.as_of) & (
        Q(end_date__isnull=True) | Q(end_date__gte=window.as_of)
    )


def _starting(window: Window, _: str) -> Q:
    return window.day_q("start_date")


_PERSON_COLUMNS = (
    ("参保人", _person),
    ("参保编号", lambda p: p.insured_no),
    ("参保类型", lambda p: p.get_insurance_type_display()),
)

register(
    Measure(
        "insured_persons",
        "参保人数",
        "人",
        _enrolled_on(_covering),
        "region_code",
        {"insurance_type": _field("insurance_type")},
        columns=_PERSON_COLUMNS,
        what="参保人",
    )
)
register(
    Measure(
        "new_enrolments",
        "新增参保人数",
        "人",
        _enrolled_on(_starting),
        "region_code",
        {"insurance_type": _field("insurance_type")},
        columns=_PERSON_COLUMNS,
        what="参保人",
    )
)

# --- applications and assessments ------------------------------------------------------------


def _applications(window: Window) -> QuerySet:
    from changhu.assessment.models import Application

    return Application.objects.filter(window.at_q("submitted_at")).select_related("person")


def _moved_to(state: str):
    def rows(window: Window) -> QuerySet:
        from changhu.assessment.models import Application
        from changhu.core.models import TransitionLog

        moves = TransitionLog.objects.filter(
            window.at_q("at"),
            object_type="assessment.application",
            object_id=Cast(OuterRef("pk"), output_field=CharField()),
            to_state=state,
        )
        return Application.objects.filter(Exists(moves)).select_related("person")

    return rows


_APPLICATION_COLUMNS = (
    ("申请编号", lambda a: a.number),
    ("被评估人", _person),
    ("类型", lambda a: a.get_kind_display()),
    ("申请时间", lambda a: _date(a.submitted_at)),
    ("当前状态", lambda a: a.get_status_display()),
)
_APPLICATION_DIMENSIONS = {"kind": _field("kind"), "channel": _field("channel")}

for _code, _label, _rows in (
    ("applications_received", "收到申请数", _applications),
    ("applications_accepted", "受理数", _moved_to("accepted")),
    ("applications_refused", "不予受理数", _moved_to("refused")),
):
    register(
        Measure(
            _code,
            _label,
            "件",
            _rows,
            "region_code",
            _APPLICATION_DIMENSIONS,
            columns=_APPLICATION_COLUMNS,
            what="评估申请",
        )
    )


def _conclusions(window: Window) -> QuerySet:
    from changhu.assessment.models import Conclusion

    return Conclusion.objects.filter(window.at_q("issued_at")).select_related("person")


register(
    Measure(
        "assessments_concluded",
        "评估结论数",
        "件",
        _conclusions,
        "region_code",
        {"grade": _int_field("grade")},
        columns=(
            ("结论书编号", lambda c: c.number),
            ("被评估人", _person),
            ("失能等级", lambda c: c.grade_label),
            ("送达时间", lambda c: _date(c.issued_at)),
        ),
        what="评估结论",
    )
)

# --- beneficiaries ----------------------------------------------------------------------------


def _in_force(window: Window) -> QuerySet:
    from changhu.care.models import Entitlement

    day = window.as_of
    return Entitlement.objects.filter(
        Q(valid_from__lte=day, valid_until__gte=day)
        & (Q(end_date__isnull=True) | Q(end_date__gte=day))
        & (Q(person__died_on__isnull=True) | Q(person__died_on__gt=day))
    ).select_related("person")


def _starting_entitlements(window: Window) -> QuerySet:
    from changhu.care.models import Entitlement

    return Entitlement.objects.filter(window.day_q("valid_from")).select_related("person")


def _care_mode_on(window: Window):
    """The care mode of the entitlement's arrangement covering the as-of day ("" for none)."""
    from changhu.care.models import Arrangement

    day = window.as_of
    covering = Arrangement.objects.filter(
        Q(entitlement=OuterRef("pk"), start_date__lte=day)
        & (Q(end_date__isnull=True) | Q(end_date__gte=day))
    ).order_by("-start_date")
    return Coalesce(Subquery(covering.values("care_mode")[:1]), Value(""), output_field=CharField())


_ENTITLEMENT_COLUMNS = (
    ("参保人", _person),
    ("失能等级", lambda e: e.grade),
    ("待遇起始日", lambda e: _date(e.valid_from)),
    ("结论有效期至", lambda e: _date(e.valid_until)),
    ("状态", lambda e: e.get_status_display()),
)
_ENTITLEMENT_DIMENSIONS = {"grade": _int_field("grade"), "care_mode": _care_mode_on}

register(
    Measure(
        "beneficiaries",
        "享受待遇人数",
        "人",
        _in_force,
        "person__region_code",
        _ENTITLEMENT_DIMENSIONS,
        value=lambda: Count("person", distinct=True),
        columns=_ENTITLEMENT_COLUMNS,
        what="待遇资格",
    )
)
register(
    Measure(
        "new_beneficiaries",
        "新增享受待遇人数",
        "人",
        _starting_entitlements,
        "person__region_code",
        _ENTITLEMENT_DIMENSIONS,
        value=lambda: Count("person", distinct=True),
        columns=_ENTITLEMENT_COLUMNS,
        what="待遇资格",
    )
)

# --- services ---------------------------------------------------------------------------------


def _visits(window: Window) -> QuerySet:
    from changhu.visits.models import Visit, VisitStatus

    return Visit.objects.filter(window.day_q("service_date"), status=VisitStatus.COMPLETED)


_VISIT_COLUMNS = (
    ("参保人", _person),
    ("服务日期", lambda v: _date(v.service_date)),
    ("护理机构", lambda v: v.institution.name),
    ("时长（分钟）", lambda v: v.duration_minutes or 0),
)
_VISIT_DIMENSIONS = {"institution": _field("institution__organization__name")}

register(
    Measure(
        "visits",
        "上门服务次数",
        "次",
        lambda w: _visits(w).select_related("person", "institution__organization"),
        "region_code",
        _VISIT_DIMENSIONS,
        columns=_VISIT_COLUMNS,
        what="上门服务记录",
    )
)
register(
    Measure(
        "visit_hours",
        "上门服务时长",
        "小时",
        lambda w: _visits(w).select_related("person", "institution__organization"),
        "region_code",
        _VISIT_DIMENSIONS,
        value=lambda: Sum(Coalesce("duration_minutes", 0, output_field=IntegerField())),
        divisor=60,
        columns=_VISIT_COLUMNS,
        what="上门服务记录",
    )
)


def _bed_days(window: Window) -> QuerySet:
    from changhu.visits.models import BedDay, BedDayKind

    return BedDay.objects.filter(window.day_q("day"), kind=BedDayKind.IN_BED).select_related(
        "person", "institution__organization"
    )


register(
    Measure(
        "bed_days",
        "在床日数",
        "天",
        _bed_days,
        "region_code",
        {"institution": _field("institution__organization__name")},
        columns=(
            ("参保人", _person),
            ("日期", lambda b: _date(b.day)),
            ("护理机构", lambda b: b.institution.name),
        ),
        what="在床日",
    )
)

# --- settlement and payments ------------------------------------------------------------------


def _claims(window: Window) -> QuerySet:
    from changhu.settlement.models import Claim

    return Claim.objects.filter(period__month__in=window.months).select_related(
        "institution__organization", "period"
    )


_CLAIM_COLUMNS = (
    ("结算月份", lambda c: c.period.month),
    ("护理机构", lambda c: c.institution.name),
    ("状态", lambda c: c.get_status_display()),
    ("人数", lambda c: c.person_count),
    ("基金支付（元）", lambda c: _yuan(c.fund_fen)),
)
_CLAIM_DIMENSIONS = {"claim_status": _field("status")}

register(
    Measure(
        "claims",
        "结算申报数",
        "件",
        _claims,
        "institution__region_code",
        _CLAIM_DIMENSIONS,
        columns=_CLAIM_COLUMNS,
        what="结算申报",
    )
)
register(
    Measure(
        "claims_fund",
        "申报基金支付金额",
        "元",
        _claims,
        "institution__region_code",
        _CLAIM_DIMENSIONS,
        value=lambda: Sum("fund_fen"),
        money=True,
        columns=_CLAIM_COLUMNS,
        what="结算申报",
    )
)


def _ltci_orders(window: Window) -> QuerySet:
    """Payment orders of the benefit fund (not a supplementary plan's) for the window's months."""
    from changhu.settlement.models import PaymentOrder, PaymentStatus

    return (
        PaymentOrder.objects.filter(period__month__in=window.months)
        .filter(payer=F("period__policy__code"))
        .filter(status__in=[PaymentStatus.ISSUED, PaymentStatus.RECOVERY])
        .annotate(
            payee_region=Coalesce(
                "institution__region_code", "person__region_code", output_field=CharField()
            )
        )
        .select_related("period", "institution__organization", "person")
    )


_ORDER_COLUMNS = (
    ("结算月份", lambda o: o.period.month),
    ("收款方类别", lambda o: o.get_payee_kind_display()),
    ("收款方", lambda o: o.institution.name if o.institution_id else _person(o.person)),
    ("金额（元）", lambda o: _yuan(o.amount_fen)),
    ("状态", lambda o: o.get_status_display()),
)
_ORDER_DIMENSIONS = {"payee_kind": _field("payee_kind")}

register(
    Measure(
        "payments",
        "拨付金额",
        "元",
        lambda w: _ltci_orders(w).filter(amount_fen__gt=0),
        "payee_region",
        _ORDER_DIMENSIONS,
        value=lambda: Sum("amount_fen"),
        money=True,
        right=Right.SETTLEMENT_VIEW,
        columns=_ORDER_COLUMNS,
        what="拨付单",
    )
)
register(
    Measure(
        "recoveries",
        "应追回金额",
        "元",
        lambda w: _ltci_orders(w).filter(amount_fen__lt=0),
        "payee_region",
        _ORDER_DIMENSIONS,
        value=lambda: -Sum("amount_fen"),
        money=True,
        right=Right.SETTLEMENT_VIEW,
        columns=_ORDER_COLUMNS,
        what="拨付单",
    )
)

# --- supervision ------------------------------------------------------------------------------


def _findings(window: Window) -> QuerySet:
    from changhu.visits.models import Finding

    return Finding.objects.filter(period__in=window.months).select_related(
        "person", "institution__organization"
    )


_FINDING_COLUMNS = (
    ("参保人", _person),
    ("护理机构", lambda f: f.institution.name),
    ("严重程度", lambda f: f.get_severity_display()),
    ("状态", lambda f: f.get_status_display()),
    ("原因", lambda f: f.reason[:80]),
)
register(
    Measure(
        "findings",
        "稽核疑点数",
        "条",
        _findings,
        "region_code",
        {"finding_status": _field("status"), "severity": _field("severity")},
        columns=_FINDING_COLUMNS,
        what="稽核疑点",
    )
)


def _complaints(window: Window) -> QuerySet:
    from changhu.feedback.models import Complaint

    return Complaint.objects.filter(window.at_q("received_at"))


register(
    Measure(
        "complaints",
        "投诉件数",
        "件",
        _complaints,
        "region_code",
        {"category": _field("category"), "complaint_status": _field("status")},
        columns=(
            ("收到时间", lambda c: _date(c.received_at)),
            ("类别", lambda c: c.get_category_display()),
            ("状态", lambda c: c.get_status_display()),
        ),
        what="投诉",
    )
)

# --- the fund ---------------------------------------------------------------------------------


def _postings(accounts: tuple[str, ...]):
    def rows(window: Window) -> QuerySet:
        from changhu.fund.models import LTCI_FUND, Posting

        return Posting.objects.filter(
            fund=LTCI_FUND, period__in=window.months, account__in=accounts
        ).select_related("entry")

    return rows


_POSTING_COLUMNS = (
    ("记账日期", lambda p: _date(p.entry.posted_on)),
    ("所属月份", lambda p: p.period),
    ("科目", lambda p: p.get_account_display()),
    ("摘要", lambda p: p.entry.memo),
    ("借方（元）", lambda p: _yuan(p.debit_fen)),
    ("贷方（元）", lambda p: _yuan(p.credit_fen)),
)
_INCOME = (
    "income_individual",
    "income_employer",
    "income_subsidy",
    "income_premium",
    "income_other",
)
for _code, _label, _accounts, _side in (
    ("fund_income", "基金收入", _INCOME, "credit_fen"),
    ("fund_benefit_expense", "待遇支出", ("benefit_expense",), "debit_fen"),
    ("fund_recovered", "追回待遇", ("recovery",), "credit_fen"),
    ("fund_fee", "经办服务费支出", ("fee",), "debit_fen"),
):
    register(
        Measure(
            _code,
            _label,
            "元",
            _postings(_accounts),
            None,
            {"account": _field("account")},
            value=lambda side=_side: Sum(side),
            money=True,
            right=Right.FUND_VIEW,
            columns=_POSTING_COLUMNS,
            what="记账分录",
        )
    )

# --- institutions and caregivers ---------------------------------------------------------------


def _institutions(window: Window) -> QuerySet:
    from changhu.providers.models import Institution

    return Institution.objects.filter(admitted_on__lte=window.as_of).select_related("organization")


register(
    Measure(
        "institutions",
        "定点护理机构数",
        "家",
        _institutions,
        "region_code",
        {"institution_status": _field("status")},
        columns=(
            ("机构", lambda i: i.organization.name),
            ("准入日期", lambda i: _date(i.admitted_on)),
            ("状态", lambda i: i.get_status_display()),
            ("床位数", lambda i: i.beds),
        ),
        what="定点护理机构",
    )
)
register(
    Measure(
        "institution_beds",
        "床位数",
        "张",
        _institutions,
        "region_code",
        {"institution_status": _field("status")},
        value=lambda: Sum("beds"),
        columns=(
            ("机构", lambda i: i.organization.name),
            ("状态", lambda i: i.get_status_display()),
            ("床位数", lambda i: i.beds),
        ),
        what="定点护理机构",
    )
)


def _caregivers(window: Window) -> QuerySet:
    from changhu.providers.models import Caregiver, CaregiverStatus

    return Caregiver.objects.filter(status=CaregiverStatus.ACTIVE).select_related(
        "institution__organization"
    )


register(
    Measure(
        "caregivers",
        "在岗护理员数",
        "人",
        _caregivers,
        "institution__region_code",
        {
            "caregiver_kind": _field("kind"),
            "institution": _field("institution__organization__name"),
        },
        columns=(
            ("护理员", lambda c: f"{c.name}（{c.id_number_masked}）"),
            ("类别", lambda c: c.get_kind_display()),
            ("所属机构", lambda c: c.institution.name),
        ),
        what="护理员",
    )
)
