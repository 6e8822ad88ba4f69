"""Publicity lists, the applicant's notices and the assessment scales over HTTP."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from changhu.api.schemas import errors
from changhu.assessment import presets, scoring, selectors, services
from changhu.assessment.api._common import router
from changhu.assessment.api.converters import _attachment, _binary, _score
from changhu.assessment.api.schemas import NoticeOut, ScaleScoreIn, ScoreOut
from changhu.assessment.models import (
    DocumentKind,
)
from changhu.core import clock
from changhu.core.excel import XLSX_CONTENT_TYPE, workbook_bytes

# --- publicity, notices, scales ----------------------------------------------------------------


class PublicityOut(Schema):
    id: int
    number: str
    person_name: str
    person_id_number_masked: str
    region: str
    grade_label: str
    publicity_from: dt.date
    publicity_until: dt.date
    open_objections: int


def _publicity_rows(user) -> list[dict]:
    rows = []
    for a in selectors.publicity_list(fetched_by=user).prefetch_related("objections"):
        rows.append(
            {
                "id": a.pk,
                "number": a.number,
                "person_name": a.person.name,
                "person_id_number_masked": a.person.id_number_masked,
                "region": a.person.region.name,
                "grade_label": a.current_assessment.grade_label,
                "publicity_from": a.publicity_from,
                "publicity_until": a.publicity_until,
                "open_objections": sum(o.status == "open" for o in a.objections.all()),
            }
        )
    return rows


@router.get("/publicity", response={200: list[PublicityOut], **errors()})
def publicity(request):
    """公示中的评估结果（姓名、脱敏证件号、地区、等级、公示期）。"""
    return _publicity_rows(request.auth)


@router.get(
    "/publicity.xlsx",
    response=errors(),
    openapi_extra=_binary("公示名单 Excel", XLSX_CONTENT_TYPE),
)
def publicity_export(request):
    """导出公示名单（Excel）。"""
    from changhu.assessment.exports import publicity_sheet

    data = workbook_bytes([publicity_sheet(_publicity_rows(request.auth))])
    return _attachment(data, f"评估结果公示名单{clock.today():%Y%m%d}.xlsx", XLSX_CONTENT_TYPE)


@router.get("/notices", response={200: list[NoticeOut], **errors()})
def notice_list(request):
    """本人可见申请的通知（申请人：受理结果、补充材料、公示、结论）。"""
    return [_notice(n) for n in selectors.notices_for(fetched_by=request.auth)[:200]]


def _notice(n) -> dict:
    return {
        "id": n.pk,
        "application_id": n.application_id,
        "application_number": n.application.number,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "created_at": n.created_at,
        "read": n.read_at is not None,
    }


@router.post("/notices/{notice_id}/read", response={200: NoticeOut, **errors(404)})
def notice_read(request, notice_id: int):
    """标记通知为已读。"""
    return _notice(services.notice_mark_read(actor=request.auth, notice_id=notice_id))


@router.post("/scales/{code}/score", response={200: ScoreOut, **errors(404, 422)})
def scale_score(request, code: str, payload: ScaleScoreIn):
    """按量表为一份（可不完整的）答卷实时计分，不保存。"""
    scale, _ = presets.resolve_scale(code, version=payload.version, on_date=payload.on_date)
    return _score(scoring.partial_score(scale, payload.answers), scale)


__all__ = ["DocumentKind", "router"]
