"""Every write of the scorecards app: computing a period's cards, and entering on-site points."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import transaction

from changhu.core import audit, scope
from changhu.core.errors import PermissionDenied, field_error
from changhu.core.uploads import check_upload
from changhu.orgs.roles import Right
from changhu.scorecards import compute
from changhu.scorecards.models import ManualScore, ScorecardKind, ScorecardRun

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
