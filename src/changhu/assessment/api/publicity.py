"""Publicity lists, the applicant's notices and the assessment scales over HTTP."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from changhu.api.rights import needs, signed_in
from changhu.api.schemas import errors, write
from changhu.assessment import presets, scoring, selectors, services
from changhu.assessment.api._common import router, score_body
from changhu.assessment.api.schemas import NoticeOut, ScaleScoreIn, ScoreOut
from changhu.assessment.models import (
    DocumentKind,
)
from changhu.core import clock
from changhu.core.downloads import XLSX, binary_response_doc, file_response
from changhu.core.excel import workbook_bytes
from changhu.orgs.roles import Right

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


@router.get("/publicity", response={200: list[PublicityOut], **errors()})
def publicity(request):
    """公示中的评估结果（姓名、脱敏证件号、地区、等级、公示期）。"""
    return selectors.publicity_rows(fetched_by=request.auth)


@router.get(
    "/publicity.xlsx",
    response=errors(),
    openapi_extra=binary_response_doc("公示名单 Excel", XLSX),
)
def publicity_export(request):
    """导出公示名单（Excel）。"""
    from changhu.assessment.exports import publicity_sheet

    data = workbook_bytes([publicity_sheet(selectors.publicity_rows(fetched_by=request.auth))])
    return file_response(data, f"评估结果公示名单{clock.today():%Y%m%d}.xlsx", XLSX)


@router.get("/notices", response={200: list[NoticeOut], **errors()})
def notice_list(request):
    """本人可见申请的通知（申请人：受理结果、补充材料、公示、结论）。"""
    return list(selectors.notices_for(fetched_by=request.auth)[:200])


@write(router, "/notices/{notice_id}/read", NoticeOut, statuses=(403, 404))
@needs(Right.ASSESSMENT_APPLY)
def notice_read(request, notice_id: int):
    """标记通知为已读。"""
    return services.notice_mark_read(actor=request.auth, notice_id=notice_id)


@write(router, "/scales/{code}/score", ScoreOut, statuses=(404, 422))
@signed_in(writes=False)
def scale_score(request, code: str, payload: ScaleScoreIn):
    """按量表为一份（可不完整的）答卷实时计分，不保存。"""
    scale, _ = presets.resolve_scale(code, version=payload.version, on_date=payload.on_date)
    return score_body(scoring.partial_score(scale, payload.answers), scale)


__all__ = ["DocumentKind", "router"]
