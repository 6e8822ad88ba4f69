"""Every write of the scorecards app: computing a period's cards, entering on-site points, and
confirming or dismissing the consequences a score calls for."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import transaction

from changhu.core import audit, clock, scope
from changhu.core.errors import Conflict, PermissionDenied, field_error
from changhu.core.money import format_yuan
from changhu.core.transitions import Transition, Workflow, apply
from changhu.core.uploads import check_upload
from changhu.orgs.roles import Right
from changhu.scorecards import compute, consequence_rules, consequences, periods
from changhu.scorecards.models import (
    ConsequenceAction,
    ConsequenceProposal,
    ConsequenceStatus,
    ManualScore,
    ScorecardKind,
    ScorecardRun,
)

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def scorecard_compute(*, actor, kind: str, period: str) -> ScorecardRun:
    """Compute (or recompute) a kind's scorecards for a period."""
    scope.require(actor, Right.SCORECARDS_COMPUTE)
    return compute.compute_run(kind=kind, period=period, actor=actor)


def _points(value, weight: Decimal) -> Decimal:
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        points = None
    if points is None or not points.is_finite() or not 0 <= points <= weight:
        raise field_error("points", "points_invalid", f"得分应为0到{weight:g}之间的数")
    if points != points.quantize(Decimal("0.01")):
        raise field_error("points", "points_invalid", "得分最多保留两位小数")
    return points


def manual_score_enter(
    *,
    actor,
    kind: str,
    period: str,
    organization_id: int,
    indicator_code: str,
    points,
    reason: str,
    evidence=None,
) -> ManualScore:
    """An inspector gives an organization on-site points for a manual indicator, with the reason
    and an evidence file; the period's cards, if computed, are recomputed with them. No one
    scores their own organization, and only the bureau scores the insurers."""
    from changhu.orgs.models import Organization

    reader = scope.require(actor, Right.SCORECARDS_MANUAL)
    kind = compute.parse_kind(kind)
    if (
        kind == ScorecardKind.INSURER
        and not reader.unrestricted
        and reader.organization_kind != "bureau"
    ):
        raise PermissionDenied("承办商保机构的考核由医保部门评分")
    parsed = compute.parse_period(period)
    indicator_set = compute.set_for(kind, parsed)
    item = next((i for i in indicator_set.indicators if i["code"] == indicator_code), None)
    if item is None or item["formula"] != "manual":
        raise field_error("indicator_code", "indicator_not_manual", "该指标不是现场评分指标")
    value = _points(points, Decimal(str(item["weight"])))
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", "reason_required", "请填写评分理由")
    if len(reason) > 500:
        raise field_error("reason", "reason_required", "评分理由最多500字")
    if evidence is None:
        raise field_error("evidence", "evidence_required", "请上传佐证材料")
    checked = check_upload(evidence, max_bytes=EVIDENCE_MAX_BYTES, field="evidence")
    organization = scope.get_scoped(
        Organization.objects.select_related("region"), actor, pk=organization_id
    )
    if organization.pk == reader.organization_id:
        raise PermissionDenied("不能为本机构评分")
    if not compute.organizations(kind, parsed).filter(pk=organization.pk).exists():
        raise field_error(
            "organization_id", "organization_not_scored", "该机构不在本考核期的考核范围内"
        )
    with transaction.atomic():
        entry = ManualScore(
            kind=kind,
            period=parsed.key,
            organization=organization,
            region_code=organization.region.code,
            indicator_code=indicator_code,
            points=value,
            reason=reason,
            evidence_name=(getattr(evidence, "name", "") or f"佐证.{checked.extension}")[:200],
            evidence_type=checked.content_type,
            evidence_sha256=checked.sha256,
            entered_by=actor,
        )
        evidence.seek(0)
        entry.evidence.save(
            f"{checked.sha256}.{checked.extension}", ContentFile(evidence.read()), save=False
        )
        entry.save()
        audit.record(
            action="create",
            obj=entry,
            user=actor,
            changes={"points": {"old": None, "new": str(value)}},
            note=f"{item['name']}：{reason[:200]}",
        )
        if ScorecardRun.objects.filter(kind=kind, period=parsed.key).exists():
            compute.compute_run(kind=kind, period=parsed.key, actor=actor)
    return entry


# --- consequences -------------------------------------------------------------------------------

CONSEQUENCE_FLOW = Workflow(
    "scorecard_consequence",
    {
        "confirm": Transition(
            {ConsequenceStatus.PROPOSED},
            ConsequenceStatus.CONFIRMED,
            Right.SCORECARDS_CONSEQUENCES,
            "确认执行",
        ),
        "dismiss": Transition(
            {ConsequenceStatus.PROPOSED},
            ConsequenceStatus.DISMISSED,
            Right.SCORECARDS_CONSEQUENCES,
            "不予执行",
        ),
    },
    labels=ConsequenceStatus,
)


def _proposal_for_update(actor, proposal_id: int) -> ConsequenceProposal:
    scope.require(actor, Right.SCORECARDS_CONSEQUENCES)
    locked = ConsequenceProposal.objects.select_for_update(of=("self",)).select_related(
        "organization"
    )
    proposal = scope.get_scoped(locked, actor, pk=proposal_id)
    if proposal.status != ConsequenceStatus.PROPOSED:
        raise Conflict(
            f"该考核处理建议{proposal.get_status_display()}，不能再处理",
            code="consequence_decided",
        )
    return proposal


def _institution_id(proposal: ConsequenceProposal) -> int:
    from changhu.providers.models import Institution

    found = Institution.all_kinds.filter(organization_id=proposal.organization_id).first()
    if found is None:
        raise Conflict("该机构没有定点护理机构档案，无法执行", code="consequence_not_applicable")
    return found.pk


def _withhold(actor, proposal: ConsequenceProposal) -> tuple[str, dict]:
    from changhu.settlement import adjustments

    if not proposal.amount_fen:
        return "该考核期没有基金支付，扣留金额为0元，未扣款", {}
    institution_id = _institution_id(proposal)
    target = consequences.next_period(proposal)
    if target is None:
        raise Conflict(
            "该机构所在统筹地区还没有可记入的结算期（以后月份、未拨付且申报未进入复核），"
            "请先开立下月结算后再确认",
            code="consequence_no_open_period",
        )
    line = adjustments.deduction_create(
        actor=actor,
        institution_id=institution_id,
        period_id=target.pk,
        amount_fen=proposal.amount_fen,
        key=f"scorecard|{proposal.pk}",
        reason=consequences.withholding_reason(proposal),
    )
    outcome = f"已在{target.month}结算中扣留质量保证金{format_yuan(proposal.amount_fen)}元"
    return outcome, {"adjustment": line}


def _set_status(actor, proposal: ConsequenceProposal, action: str, done: str) -> tuple[str, dict]:
    from changhu.providers.services.institutions import institution_set_status

    institution_set_status(
        actor=actor,
        institution_id=_institution_id(proposal),
        action=action,
        reason=f"{consequences.score_words(proposal)}（{proposal.band}），按考核结果运用规则{done}",
    )
    return f"已于{clock.today():%Y-%m-%d}{done}", {}


def _fee(actor, proposal: ConsequenceProposal, contract_fee_fen) -> tuple[str, dict]:
    from changhu.fund import services as fund_services

    if (
        isinstance(contract_fee_fen, bool)
        or not isinstance(contract_fee_fen, int)
        or contract_fee_fen <= 0
    ):
        raise field_error(
            "contract_fee_fen", "contract_fee_invalid", "请填写合同约定的经办服务费（大于0的金额）"
        )
    fee = consequence_rules.scaled(contract_fee_fen, proposal.factor)
    words = (
        f"{proposal.organization.name}{periods.parse(proposal.period).label}经办服务费："
        f"合同金额{format_yuan(contract_fee_fen)}元×考核系数{proposal.factor.normalize():f}"
        f"＝{format_yuan(fee)}元"
    )
    if fee > 0:
        fund_services.fee_record(
            actor=actor, period=f"{clock.today():%Y-%m}", amount_fen=fee, memo=words
        )
    return f"{words}，已记入基金经办服务费支出", {"base_fen": contract_fee_fen, "amount_fen": fee}


@transaction.atomic
def consequence_confirm(
    *, actor, proposal_id: int, contract_fee_fen: int | None = None
) -> ConsequenceProposal:
    """Confirm a consequence a score called for and carry it out: a warning or an interview is
    recorded for the organization to see; a withholding becomes a deduction line in the
    institution's next open settlement; a suspension or a termination goes through the
    providers' status workflow; an insurer's fee factor is applied to the contract fee entered
    (``contract_fee_fen``) and the fee posted to the fund."""
    proposal = _proposal_for_update(actor, proposal_id)
    action = proposal.action
    extra: dict = {}
    if action == ConsequenceAction.WITHHOLDING:
        outcome, extra = _withhold(actor, proposal)
    elif action == ConsequenceAction.SUSPENSION:
        outcome, extra = _set_status(actor, proposal, "suspend", "暂停新增服务对象")
    elif action == ConsequenceAction.TERMINATION:
        outcome, extra = _set_status(actor, proposal, "terminate", "解除服务协议")
    elif action == ConsequenceAction.FEE_FACTOR:
        outcome, extra = _fee(actor, proposal, contract_fee_fen)
    else:
        outcome = f"已{proposal.get_action_display()}（{clock.today():%Y-%m-%d}）"
    apply(
        CONSEQUENCE_FLOW,
        proposal,
        "confirm",
        actor=actor,
        reason=outcome[:500],
        extra_updates={
            "outcome": outcome[:300],
            "decided_by": actor,
            "decided_at": clock.now(),
            **extra,
        },
    )
    return proposal


@transaction.atomic
def consequence_dismiss(*, actor, proposal_id: int, reason: str) -> ConsequenceProposal:
    """Set a proposed consequence aside, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", "reason_required", "请填写不予执行的原因")
    if len(reason) > 300:
        raise field_error("reason", "reason_required", "原因最多300字")
    proposal = _proposal_for_update(actor, proposal_id)
    apply(
        CONSEQUENCE_FLOW,
        proposal,
        "dismiss",
        actor=actor,
        reason=reason,
        extra_updates={"reason": reason, "decided_by": actor, "decided_at": clock.now()},
    )
    return proposal
