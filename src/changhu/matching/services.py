"""Every write of the matching app: one function per use case, in a transaction, with its right.

- a list arrives as a file (``list_upload`` → ``list_commit`` or ``list_discard``) or from a
  feed (``feed_receive``: the rows go through the same checks and are committed at once);
- a match is confirmed (``match_confirm``: the death or stay becomes a life event through the
  register's own service, and for a death the money paid for later days is proposed for
  recovery) or rejected with a reason (``match_reject``);
- a settlement user turns a proposal into a recovery adjustment of the next open settlement
  (``recovery_apply``, through ``settlement.adjustments.adjustment_create``) or sets it aside with
  a reason (``recovery_dismiss``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Sum

from changhu.core import audit, clock, months, scope
from changhu.core.errors import Conflict, field_error
from changhu.core.money import format_yuan
from changhu.core.transitions import Transition, Workflow, apply
from changhu.insured import services as insured_services
from changhu.insured.models import LifeEvent, LifeEventKind
from changhu.matching import rules
from changhu.matching.imports import COLUMNS, PIPELINE
from changhu.matching.models import (
    ListKind,
    ListSource,
    MatchBatch,
    MatchRecord,
    MatchStatus,
    RecoveryProposal,
    RecoveryStatus,
)
from changhu.orgs.roles import Right
from changhu.settlement import adjustments
from changhu.settlement.models import (
    ClaimLine,
    LineSource,
    LineStatus,
    PeriodStatus,
    SettlementPeriod,
)

MAX_FEED_ROWS = 5_000
FEED_FIELDS = ("name", "id_number", "event_date", "end_date", "hospital")

MATCH_FLOW = Workflow(
    "match",
    {
        "confirm": Transition(
            {MatchStatus.PENDING}, MatchStatus.CONFIRMED, Right.MATCH_REVIEW, "确认"
        ),
        "reject": Transition(
            {MatchStatus.PENDING}, MatchStatus.REJECTED, Right.MATCH_REVIEW, "排除"
        ),
    },
    labels=MatchStatus,
)
RECOVERY_FLOW = Workflow(
    "recovery",
    {
        "apply": Transition(
            {RecoveryStatus.PROPOSED}, RecoveryStatus.ADJUSTED, Right.SETTLEMENT_ADJUST, "生成追回"
        ),
        "dismiss": Transition(
            {RecoveryStatus.PROPOSED},
            RecoveryStatus.DISMISSED,
            Right.SETTLEMENT_ADJUST,
            "不予追回",
        ),
    },
    labels=RecoveryStatus,
)


def _reason(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise field_error("reason", "reason_required", "请填写原因")
    if len(value) > 300:
        raise field_error("reason", "reason_too_long", "原因不能超过300字")
    return value


def _source(value: str) -> str:
    if value not in ListSource.values:
        raise field_error("source", "source_invalid", "请选择数据来源")
    return value


# --- lists ------------------------------------------------------------------------------------


def list_upload(*, actor, kind: str, source: str, upload, file_name: str = "") -> MatchBatch:
    """Check a list and keep it, sealed, as a batch to confirm; nothing is matched yet."""
    source = _source(source)
    batch = PIPELINE.upload(actor=actor, kind=kind, upload=upload, file_name=file_name)
    MatchBatch.objects.filter(pk=batch.pk).update(source=source)
    batch.source = source
    return batch


def list_commit(*, actor, batch_id: int) -> MatchBatch:
    """Match the list's rows (checked again against the register as it is now): matched rows go
    to the review queue, unmatched ones to the report; malformed rows stay in the error log."""
    batch = PIPELINE.commit(actor=actor, batch_id=batch_id, mode=MatchBatch.Mode.VALID_ONLY)
    return _count(batch)


def list_discard(*, actor, batch_id: int) -> MatchBatch:
    return PIPELINE.discard(actor=actor, batch_id=batch_id)


def _count(batch: MatchBatch) -> MatchBatch:
    records = MatchRecord.objects.filter(batch=batch)
    batch.unmatched_rows = records.filter(status=MatchStatus.UNMATCHED).count()
    batch.matched_rows = records.count() - batch.unmatched_rows
    MatchBatch.objects.filter(pk=batch.pk).update(
        matched_rows=batch.matched_rows, unmatched_rows=batch.unmatched_rows
    )
    return batch


def feed_csv(kind: str, rows: Iterable[dict]) -> bytes:
    """Rows of a feed as the list file they stand for, under the template's headers."""
    columns = COLUMNS[kind]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.label for c in columns])
    for row in rows:
        writer.writerow([str(row.get(c.field) or "") for c in columns])
    return out.getvalue().encode("utf-8")


def feed_receive(*, actor, kind: str, source: str, rows: list[dict]) -> MatchBatch:
    """Rows sent by another department's system: the same checks as a file, matched at once.

    The batch is kept like an uploaded one (its error log, its records); a feed with no valid
    row is recorded and given up, so the sender sees every row's errors.
    """
    spec = PIPELINE.kind(kind)
    for right in spec.rights:
        scope.require(actor, right)
    source = _source(source)
    if not rows:
        raise field_error("rows", "feed_empty", "没有数据行")
    if len(rows) > MAX_FEED_ROWS:
        raise field_error(
            "rows", "feed_too_many_rows", f"每次最多推送{MAX_FEED_ROWS}行，请分批推送"
        )
    name = f"接口推送_{ListKind(kind).label}_{clock.now():%Y%m%d%H%M%S}.csv"
    upload = SimpleUploadedFile(name, feed_csv(kind, rows), content_type="text/csv")
    batch = list_upload(actor=actor, kind=kind, source=source, upload=upload, file_name=name)
    MatchBatch.objects.filter(pk=batch.pk).update(via_feed=True)
    if batch.valid_rows == 0:
        return list_discard(actor=actor, batch_id=batch.pk)
    return list_commit(actor=actor, batch_id=batch.pk)


# --- review -----------------------------------------------------------------------------------


def _pending(actor, record_id: int) -> MatchRecord:
    scope.require(actor, Right.MATCH_REVIEW)
    locked = MatchRecord.objects.select_for_update(of=("self",)).select_related("batch")
    return scope.get_scoped(locked, actor, pk=record_id)


@transaction.atomic
def match_confirm(*, actor, record_id: int) -> MatchRecord:
    """The death or hospital stay becomes a life event of the person from the listed date
    (through ``insured.services``, which checks and audits it); a death's later payments are
    proposed for recovery."""
    record = _pending(actor, record_id)
    if record.status != MatchStatus.PENDING:
        raise Conflict(
            f"该比对结果{record.get_status_display()}，不能再核实", code="match_not_pending"
        )
    batch = record.batch
    kind = LifeEventKind.DEATH if record.kind == ListKind.DEATHS else LifeEventKind.HOSPITAL_STAY
    event = insured_services.person_record_life_event(
        actor=actor,
        person_id=record.person_id,
        data=insured_services.LifeEventInput(
            kind=kind,
            start_date=record.event_date.isoformat(),
            end_date=record.end_date.isoformat() if record.end_date else None,
            institution=record.hospital or batch.get_source_display(),
            note=f"数据比对：{batch.get_kind_display()}批次{batch.pk}第{record.row_number}行",
        ),
        source=LifeEvent.Source.MATCH,
    )
    apply(
        MATCH_FLOW,
        record,
        "confirm",
        actor=actor,
        reason=f"登记{event.get_kind_display()}，{event.start_date:%Y-%m-%d}起",
        extra_updates={"life_event": event, "reviewed_by": actor, "reviewed_at": clock.now()},
    )
    if kind == LifeEventKind.DEATH:
        _propose_recoveries(actor, record)
    return record


@transaction.atomic
def match_reject(*, actor, record_id: int, reason: str) -> MatchRecord:
    """Not this person's event (a namesake, a wrong date): recorded with the reason."""
    reason = _reason(reason)
    record = _pending(actor, record_id)
    apply(
        MATCH_FLOW,
        record,
        "reject",
        actor=actor,
        reason=reason,
        extra_updates={"reason": reason, "reviewed_by": actor, "reviewed_at": clock.now()},
    )
    return record


def _propose_recoveries(actor, record: MatchRecord) -> list[RecoveryProposal]:
    """A proposal for each paid line with days after the death, for what is left of it."""
    died_on = record.event_date
    lines = (
        ClaimLine.objects.filter(
            person_id=record.person_id,
            period__status=PeriodStatus.PAID,
            period__month__gte=months.key(died_on),
            status=LineStatus.PAYABLE,
            fund_fen__gt=0,
        )
        .exclude(source=LineSource.ADJUSTMENT)
        .select_related("period")
        .order_by("period__month", "pk")
    )
    proposals = []
    for line in lines:
        after, paid = rules.days_after_death(line.period.month, int(line.days_mask), died_on)
        adjusted = (
            ClaimLine.objects.filter(adjusts=line)
            .exclude(status__in=[LineStatus.WITHDRAWN, LineStatus.REJECTED])
            .aggregate(s=Sum("fund_fen"))["s"]
            or 0
        )
        amount = rules.recovery_fen(
            line.fund_fen, after, paid, recoverable=line.fund_fen + adjusted
        )
        if amount <= 0:
            continue
        proposal = RecoveryProposal.objects.create(
            match=record,
            line=line,
            person_id=record.person_id,
            region_code=record.region_code,
            month=line.period.month,
            days_after_death=after,
            amount_fen=amount,
        )
        audit.record(
            action="create",
            obj=proposal,
            user=actor,
            note=f"身故{died_on:%Y-%m-%d}后{line.period.month}已支付{after}天，"
            f"建议追回{format_yuan(amount)}元",
        )
        proposals.append(proposal)
    return proposals


# --- recovery ---------------------------------------------------------------------------------


def _proposal(actor, proposal_id: int) -> RecoveryProposal:
    scope.require(actor, Right.SETTLEMENT_ADJUST)
    scope.require(actor, Right.MATCH_VIEW)
    locked = RecoveryProposal.objects.select_for_update(of=("self",)).select_related(
        "line", "line__period", "match"
    )
    return scope.get_scoped(locked, actor, pk=proposal_id)


def next_open_period(line: ClaimLine) -> SettlementPeriod | None:
    """The earliest settlement of the line's region after its month that is not yet paid."""
    return (
        SettlementPeriod.objects.filter(
            region_id=line.period.region_id, month__gt=line.period.month
        )
        .exclude(status=PeriodStatus.PAID)
        .order_by("month")
        .first()
    )


@transaction.atomic
def recovery_apply(*, actor, proposal_id: int, period_id: int | None = None) -> RecoveryProposal:
    """Turn a proposal into a recovery line (negative) of the next open settlement, or of the
    period named, through settlement's adjustment service (which checks and audits it)."""
    proposal = _proposal(actor, proposal_id)
    if proposal.status != RecoveryStatus.PROPOSED:
        raise Conflict(
            f"该追回建议{proposal.get_status_display()}，不能再处理", code="recovery_not_proposed"
        )
    if period_id is None:
        period = next_open_period(proposal.line)
        if period is None:
            raise Conflict(
                "该统筹地区还没有以后月份的未拨付结算期，请先开立下月结算",
                code="recovery_no_open_period",
            )
        period_id = period.pk
    record = proposal.match
    line = adjustments.adjustment_create(
        actor=actor,
        line_id=proposal.line_id,
        period_id=period_id,
        amount_fen=-proposal.amount_fen,
        reason=f"身故（{record.event_date:%Y-%m-%d}）后{proposal.days_after_death}天的待遇，"
        f"数据比对批次{record.batch_id}",
    )
    apply(
        RECOVERY_FLOW,
        proposal,
        "apply",
        actor=actor,
        reason=f"追回{format_yuan(proposal.amount_fen)}元",
        extra_updates={"adjustment": line, "decided_by": actor, "decided_at": clock.now()},
    )
    return proposal


@transaction.atomic
def recovery_dismiss(*, actor, proposal_id: int, reason: str) -> RecoveryProposal:
    reason = _reason(reason)
    proposal = _proposal(actor, proposal_id)
    apply(
        RECOVERY_FLOW,
        proposal,
        "dismiss",
        actor=actor,
        reason=reason,
        extra_updates={"reason": reason, "decided_by": actor, "decided_at": clock.now()},
    )
    return proposal
