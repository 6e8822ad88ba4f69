"""Every write of the assessment fees app: compute a month, discard an unreviewed run, approve
a statement, record its payment (a fund expense through ``fund.services``). Each checks the
actor's right and scope, runs in a transaction and is audited.

The month's computation is set-based: two queries find what ended up to the month's end and is
on no statement yet (conclusions issued; dispatches that went on site and were ended without a
result), the fees are computed in memory from the fee table in force on each case's day (and,
for an appeal, the case's own assessment rules), and the lines are inserted in bulk.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from changhu.assessment.models import Assessment, Conclusion, FeePayer
from changhu.assessment_fees import rules
from changhu.assessment_fees.models import (
    FeeLine,
    FeeRun,
    FeeStatement,
    FeeTableVersion,
    StatementStatus,
)
from changhu.core import audit, clock, months
from changhu.core.errors import Conflict, field_error
from changhu.core.money import format_yuan
from changhu.core.scope import get_scoped, require, scope_of
from changhu.fund import services as fund_services
from changhu.fund.models import LTCI_FUND, Account, EntryKind
from changhu.orgs.roles import Right

TABLE_CODE = "default"


def _month(value: str) -> str:
    value = str(value or "").strip()
    if not months.is_strict(value):
        raise field_error("month", "month_invalid", "结算月份应为YYYY-MM，如2026-10")
    if months.parse(value) > clock.today():
        raise field_error("month", "month_in_future", f"{value}尚未开始，不能结算")
    return value


def _city(actor, city: str) -> str:
    """The city a run settles: the one given (within the actor's regions), else the one city
    the actor's regions lie in."""
    s = scope_of(actor)
    city = str(city or "").strip()
    if city:
        if len(city) != 4 or not city.isdigit():
            raise field_error("city", "city_invalid", "统筹地区应为区划代码前四位，如5101")
        if not (s.unrestricted or any(city.startswith(p[:4]) for p in s.region_prefixes)):
            raise field_error("city", "city_out_of_scope", "该统筹地区不在您的管辖范围内")
        return city
    cities = {p[:4] for p in s.region_prefixes if len(p) >= 4}
    if len(cities) != 1:
        raise field_error("city", "city_required", "请指定结算的统筹地区（区划代码前四位）")
    return cities.pop()


def _month_end_moment(month: str) -> dt.datetime:
    """The first moment after the month, in the business time zone."""
    after = months.last_day(month) + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(after, dt.time.min))


@dataclass
class _Line:
    institution_id: int
    institution_name: str
    fields: dict


class _Tables:
    """The fee table versions, and which is in force on a day (read once per run)."""

    def __init__(self):
        self.rows = list(FeeTableVersion.objects.filter(code=TABLE_CODE))
        self.parsed = {row.pk: row.table for row in self.rows}

    def on(self, day: dt.date) -> FeeTableVersion | None:
        fitting = [r for r in self.rows if rules.in_force(self.parsed[r.pk], day)]
        return max(fitting, key=lambda r: (r.effective_from, r.pk), default=None)


def _not_on_a_statement(field: str = "pk"):
    return ~Exists(FeeLine.objects.filter(assessment_id=OuterRef(field)))


def _concluded(city: str, end: dt.datetime, tables: _Tables) -> list[_Line]:
    """A line per conclusion of the city issued before ``end`` whose dispatch no statement has
    paid."""
    conclusions = (
        Conclusion.objects.filter(
            issued_at__lt=end, assessment__isnull=False, region_code__startswith=city
        )
        .filter(_not_on_a_statement("assessment_id"))
        .select_related("application", "assessment__institution__region", "rules")
        .order_by("issued_at", "pk")
    )
    lines = []
    for c in conclusions:
        day = timezone.localdate(c.issued_at)
        table_row = tables.on(day)
        if table_row is None:
            continue  # before the first fee table: not a fee of this system
        place = c.application.place
        outcome = rules.KIND_OUTCOME[c.application.kind]
        appeal_fee = applicant = None
        if outcome == rules.APPEAL:
            appeal_fee = c.rules.rules.fee_fen[place]  # one source: the case's own rules
            applicant = c.fee_fen if c.fee_payer == FeePayer.APPLICANT else 0
        fee = rules.case_fee(
            tables.parsed[table_row.pk],
            outcome=outcome,
            place=place,
            appeal_fee_fen=appeal_fee,
            applicant_fen=applicant or 0,
        )
        institution = c.assessment.institution
        lines.append(
            _Line(
                institution.pk,
                institution.name,
                {
                    "assessment_id": c.assessment_id,
                    "application_id": c.application_id,
                    "conclusion_id": c.pk,
                    "person_id": c.person_id,
                    "region_code": c.region_code,
                    "day": day,
                    "outcome": outcome,
                    "place": place,
                    "grade_changed": c.grade_changed if outcome == rules.APPEAL else None,
                    "fee_table_id": table_row.pk,
                    "rules_id": c.rules_id if outcome == rules.APPEAL else None,
                    "fee_fen": fee.fee_fen,
                    "applicant_fen": fee.applicant_fen,
                    "fund_fen": fee.fund_fen,
                },
            )
        )
    return lines


def _ended_on_site(city: str, end: dt.datetime, tables: _Tables) -> list[_Line]:
    """A line per dispatch of the city that went on site before ``end`` and was ended without a
    result (recalled, or its result set aside by an upheld objection), not yet paid."""
    dispatches = (
        Assessment.objects.filter(
            active=False,
            started_at__isnull=False,
            started_at__lt=end,
            application__region_code__startswith=city,
        )
        .exclude(superseded_reason="")
        .filter(_not_on_a_statement())
        .select_related("application", "institution__region")
        .order_by("started_at", "pk")
    )
    lines = []
    for a in dispatches:
        day = timezone.localdate(a.started_at)
        table_row = tables.on(day)
        if table_row is None:
            continue
        place = a.application.place
        fee = rules.case_fee(tables.parsed[table_row.pk], outcome=rules.TERMINATED, place=place)
        if not fee.fee_fen:
            continue  # the table pays nothing for it: nothing to list
        lines.append(
            _Line(
                a.institution_id,
                a.institution.name,
                {
                    "assessment_id": a.pk,
                    "application_id": a.application_id,
                    "conclusion_id": None,
                    "person_id": a.application.person_id,
                    "region_code": a.application.region_code,
                    "day": day,
                    "outcome": rules.TERMINATED,
                    "place": place,
                    "grade_changed": None,
                    "fee_table_id": table_row.pk,
                    "rules_id": None,
                    "fee_fen": fee.fee_fen,
                    "applicant_fen": 0,
                    "fund_fen": fee.fund_fen,
                },
            )
        )
    return lines


def _collect(city: str, month: str) -> list[_Line]:
    """The lines a run of ``month`` would make (see :func:`run_compute`); the refusals too."""
    if FeeRun.objects.filter(month=month, city_code=city).exists():
        raise Conflict(f"{month}的评估费用已计算", code="run_exists")
    tables = _Tables()
    if not tables.rows:
        raise Conflict(
            "尚未加载评估费用标准，请先运行 changhu load-presets", code="fee_table_missing"
        )
    end = _month_end_moment(month)
    found = _concluded(city, end, tables) + _ended_on_site(city, end, tables)
    if not found:
        raise Conflict(f"截至{month}月末没有待结算的评估案件", code="no_fee_cases")
    return found


@dataclass(frozen=True)
class PreviewRow:
    institution: str
    cases: int
    fee_fen: int
    fund_fen: int


@dataclass(frozen=True)
class Preview:
    month: str
    city: str
    rows: list[PreviewRow]

    @property
    def cases(self) -> int:
        return sum(r.cases for r in self.rows)

    @property
    def fee_fen(self) -> int:
        return sum(r.fee_fen for r in self.rows)

    @property
    def fund_fen(self) -> int:
        return sum(r.fund_fen for r in self.rows)


def run_preview(*, actor, month: str, city: str = "") -> Preview:
    """What computing ``month`` would settle, per institution, without storing anything (the
    page shows it before the person confirms)."""
    require(actor, Right.ASSESSMENT_FEES_RUN)
    month, city = _month(month), _city(actor, city)
    grouped: dict[int, list[_Line]] = defaultdict(list)
    for line in _collect(city, month):
        grouped[line.institution_id].append(line)
    rows = [
        PreviewRow(
            lines[0].institution_name,
            len(lines),
            sum(x.fields["fee_fen"] for x in lines),
            sum(x.fields["fund_fen"] for x in lines),
        )
        for pk, lines in sorted(grouped.items())
    ]
    return Preview(month, city, rows)


def run_compute(*, actor, month: str, city: str = "") -> FeeRun:
    """Compute a city's assessment fees of a month: one statement per assessment institution
    with a line per case of the city concluded (or ended on site) up to the month's end that no
    earlier run paid. ``city`` (four digits) defaults to the one city of the actor's regions.

    A month is computed once per city (``run_exists``); discarding an unreviewed run lets it be
    computed again. A month with nothing to pay is refused (``no_fee_cases``), so it stays open.
    """
    require(actor, Right.ASSESSMENT_FEES_RUN)
    month, city = _month(month), _city(actor, city)
    found = _collect(city, month)
    by_institution: dict[int, list[_Line]] = defaultdict(list)
    for line in found:
        by_institution[line.institution_id].append(line)
    try:
        with transaction.atomic():
            run = FeeRun.objects.create(month=month, city_code=city, created_by=_user(actor))
            for index, (institution_id, lines) in enumerate(sorted(by_institution.items()), 1):
                _statement(run, index, institution_id, lines)
            totals = _sum(FeeStatement.objects.filter(run=run))
            run.case_count, run.fee_fen, run.fund_fen = totals[0], totals[1], totals[3]
            run.save(update_fields=["case_count", "fee_fen", "fund_fen"])
            audit.record(
                action="create",
                obj=run,
                user=actor,
                note=f"计算{month}评估费用：{len(by_institution)}家评估机构，"
                f"{run.case_count}件，评估费{format_yuan(run.fee_fen)}元，"
                f"基金支付{format_yuan(run.fund_fen)}元",
            )
    except IntegrityError:
        # Another run of the month (or of another month) took these cases at the same moment.
        raise Conflict(f"{month}的评估费用正在由他人计算，请稍后刷新", code="run_exists") from None
    return run


def _statement(run: FeeRun, index: int, institution_id: int, lines: list[_Line]) -> None:
    fee = sum(x.fields["fee_fen"] for x in lines)
    applicant = sum(x.fields["applicant_fen"] for x in lines)
    statement = FeeStatement.objects.create(
        run=run,
        number=f"PGF{run.city_code}{run.month.replace('-', '')}{index:03d}",
        institution_id=institution_id,
        city_code=run.city_code,
        case_count=len(lines),
        fee_fen=fee,
        applicant_fen=applicant,
        fund_fen=fee - applicant,
    )
    FeeLine.objects.bulk_create(FeeLine(statement=statement, **x.fields) for x in lines)


def _sum(statements) -> tuple[int, int, int, int]:
    rows = list(statements.values_list("case_count", "fee_fen", "applicant_fen", "fund_fen"))
    return tuple(sum(r[i] for r in rows) for i in range(4))  # type: ignore[return-value]


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def run_discard(*, actor, run_id: int, reason: str) -> str:
    """Discard a run none of whose statements is approved yet (to compute the month again)."""
    require(actor, Right.ASSESSMENT_FEES_RUN)
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", "reason_required", "请填写作废原因")
    with transaction.atomic():
        run = get_scoped(FeeRun.objects.select_for_update(), actor, pk=run_id)
        if run.statements.exclude(status=StatementStatus.DRAFT).exists():
            raise Conflict("已有结算单通过审核，不能作废本月结算", code="run_reviewed")
        month = run.month
        audit.record(action="delete", obj=run, user=actor, note=f"作废{month}评估费用：{reason}")
        run.delete()
    return month


def _statement_for_update(actor, statement_id: int) -> FeeStatement:
    return get_scoped(
        FeeStatement.objects.select_for_update().select_related("run", "institution"),
        actor,
        pk=statement_id,
    )


def statement_approve(*, actor, statement_id: int, note: str = "") -> FeeStatement:
    """审核: a person other than the one who computed the month approves the statement."""
    require(actor, Right.ASSESSMENT_FEES_REVIEW)
    with transaction.atomic():
        statement = _statement_for_update(actor, statement_id)
        if statement.status != StatementStatus.DRAFT:
            raise Conflict(
                f"结算单{statement.number}{statement.get_status_display()}，不能再审核",
                code="statement_not_draft",
            )
        if statement.run.created_by_id and statement.run.created_by_id == getattr(actor, "pk", 0):
            raise Conflict("计算本月评估费用的人不能审核其结算单", code="same_person")
        statement.status = StatementStatus.APPROVED
        statement.reviewed_by, statement.reviewed_at = _user(actor), clock.now()
        statement.review_note = (note or "").strip()[:300]
        statement.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        audit.record(
            action="update",
            obj=statement,
            user=actor,
            note=f"审核通过{statement.institution.name}{statement.run.month}评估费用"
            f"{format_yuan(statement.fund_fen)}元",
        )
    return statement


def statement_pay(*, actor, statement_id: int, reference: str) -> FeeStatement:
    """支付: record that the fund paid an approved statement; the fund's part is posted once to
    the ledger as a fee expense (经办服务费支出, credit the fund's bank account)."""
    require(actor, Right.FUND_MANAGE)
    reference = (reference or "").strip()
    if not reference:
        raise field_error("reference", "reference_required", "请填写支付凭证号")
    if len(reference) > 64:
        raise field_error("reference", "reference_too_long", "支付凭证号不能超过64个字符")
    with transaction.atomic():
        statement = _statement_for_update(actor, statement_id)
        if statement.status != StatementStatus.APPROVED:
            raise Conflict(
                f"结算单{statement.number}{statement.get_status_display()}，只有已审核的可以支付",
                code="statement_not_approved",
            )
        entry = None
        if statement.fund_fen:
            entry = fund_services.entry_post(
                fund=LTCI_FUND,
                period=statement.run.month,
                kind=EntryKind.FEE,
                memo=f"评估费：{statement.institution.name}{statement.run.month}"
                f"（{statement.case_count}件，结算单{statement.number}）",
                postings=[
                    (Account.FEE, statement.fund_fen, 0),
                    (Account.BANK, 0, statement.fund_fen),
                ],
                source_type="assessment_fees.statement",
                source_id=str(statement.pk),
                actor=actor,
            )
        statement.status = StatementStatus.PAID
        statement.paid_by, statement.paid_at = _user(actor), clock.now()
        statement.payment_reference = reference
        statement.entry = entry
        statement.save(update_fields=["status", "paid_by", "paid_at", "payment_reference", "entry"])
        audit.record(
            action="update",
            obj=statement,
            user=actor,
            note=f"支付{statement.institution.name}{statement.run.month}评估费用"
            f"{format_yuan(statement.fund_fen)}元，凭证号{reference}",
        )
    return statement
