"""Rows of the visits app as the API's response schemas."""

from __future__ import annotations

from changhu.visits.api.schemas import PatrolOut, VisitOut
from changhu.visits.models import (
    Finding,
    PatrolVisit,
    ScreeningRun,
    Visit,
)

# --- converters -----------------------------------------------------------------------------


def _visit(v: Visit) -> dict:
    return {name: getattr(v, name) for name in VisitOut.model_fields}


def _visit_row(v: Visit) -> dict:
    return {
        **_visit(v),
        "person_name": v.person.name,
        "caregiver_name": v.caregiver.name,
        "institution_name": v.institution.organization.name,
    }


def _position(v: Visit, prefix: str) -> dict:
    from changhu.visits import geo

    lat = getattr(v, f"{prefix}_latitude")
    lon = getattr(v, f"{prefix}_longitude")
    out = {"latitude": lat, "longitude": lon, "accuracy_m": getattr(v, f"{prefix}_accuracy_m")}
    p = v.person
    if lat is not None and p.latitude is not None and p.longitude is not None:
        east, north = geo.offset_m(float(p.latitude), float(p.longitude), lat, lon)
        out.update(east_m=round(east, 1), north_m=round(north, 1))
    return out


def _rule_label(code: str) -> str:
    return RULE_LABELS.get(code, code)


RULE_LABELS = {
    "too_short": "服务时长不足",
    "outside_geofence": "位置不在住址范围内",
    "overlapping_visits": "同一护理员时间重叠",
    "too_fast": "移动速度异常",
    "person_deceased": "参保人身故后服务",
    "person_in_hospital": "住院期间服务",
    "not_entitled": "无待遇资格",
    "item_not_in_plan": "项目不在计划内",
    "item_over_frequency": "超出计划频次",
    "caregiver_no_certificate": "护理员无有效证书",
    "duplicate_photo": "照片重复使用",
    "identical_durations": "时长高度雷同",
}


def _finding(f: Finding) -> dict:
    return {
        "id": f.pk,
        "visit_id": f.visit_id,
        "bed_day_id": f.bed_day_id,
        "person_id": f.person_id,
        "person_name": f.person.name,
        "institution_id": f.institution_id,
        "caregiver_id": f.caregiver_id,
        "period": f.period,
        "service_date": f.service_date,
        "rule_code": f.rule_code,
        "rule_label": _rule_label(f.rule_code),
        "severity": f.severity,
        "status": f.status,
        "rule_version": f.rule_version,
        "reason": f.reason,
        "resolution_reason": f.resolution_reason,
        "resolved_at": f.resolved_at,
    }


def _run(r: ScreeningRun) -> dict:
    return {
        "id": r.pk,
        "period": r.period,
        "status": r.status,
        "rule_version": r.rule_set.version,
        "total_chunks": r.total_chunks,
        "done_chunks": r.done_chunks,
        "percent": r.percent,
        "findings_count": r.findings_count,
        "summary": r.summary,
        "error": r.error,
        "created_at": r.created_at,
        "finished_at": r.finished_at,
    }


def _patrol(p: PatrolVisit) -> dict:
    return {name: getattr(p, name) for name in PatrolOut.model_fields}
