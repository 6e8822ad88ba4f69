"""The matching API, mounted at ``/api/v1/supervision/match``: lists (files and feeds), the review
queue, recovery proposals. Every list is scoped; a care institution sees none of it."""

from __future__ import annotations

from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, list_page, write
from changhu.core.downloads import XLSX, binary_response_doc, file_response
from changhu.matching import exports, selectors, services
from changhu.matching.api.schemas import (
    KindLiteral,
    MatchBatchOut,
    MatchDismissIn,
    MatchFeedIn,
    MatchRecordOut,
    MatchRecoveryApplyIn,
    MatchRecoveryOut,
    MatchRejectIn,
    SourceLiteral,
)
from changhu.matching.imports import PIPELINE
from changhu.orgs.roles import Right

router = Router(tags=["数据比对"])


class MatchBatchQuery(Schema):
    kind: str = ""
    status: str = ""
    page: int = 1
    page_size: int = 20


class MatchRecordQuery(Schema):
    status: str = ""
    kind: str = ""
    batch_id: int | None = None
    name_mismatch: bool | None = None
    page: int = 1
    page_size: int = 20


class MatchRecoveryQuery(Schema):
    status: str = ""
    match_id: int | None = None
    page: int = 1
    page_size: int = 20


def _batch(request, batch_id: int):
    return selectors.batch_get(fetched_by=request.auth, batch_id=batch_id)


# --- lists ------------------------------------------------------------------------------------


@router.get(
    "/templates/{kind}",
    response=errors(422),
    openapi_extra=binary_response_doc("名单模板（xlsx 或 csv）", XLSX),
)
def match_template(request, kind: KindLiteral, format: str = "xlsx"):
    """下载死亡名单或住院名单模板（中文表头；xlsx 含填写说明）。"""
    content, name, media_type = PIPELINE.template(kind=kind, file_format=format)
    return file_response(content, name, media_type)


@write(router, "/batches", MatchBatchOut, status=201, statuses=(403, 413, 422))
@needs(Right.MATCH_IMPORT)
def match_batch_upload(
    request, kind: Form[KindLiteral], source: Form[SourceLiteral], file: File[UploadedFile]
):
    """上传死亡名单或住院名单（CSV：UTF-8/GB18030/UTF-16，或 xlsx）并预览。

    此时只校验格式，不写入比对结果；确认后（commit）逐行与参保登记比对。
    """
    batch = services.list_upload(
        actor=request.auth, kind=kind, source=source, upload=file, file_name=file.name
    )
    return Status(201, _batch(request, batch.pk))


@router.get("/batches", response={200: Page[MatchBatchOut], **errors(403, 422)})
def match_batch_list(request, query: Query[MatchBatchQuery]):
    """可见的比对批次，最新的在前。"""
    return list_page(request, query, selectors.batch_list, kind=query.kind, status=query.status)


@router.get("/batches/{batch_id}", response={200: MatchBatchOut, **errors(404)})
def match_batch_detail(request, batch_id: int):
    """比对批次：行数、匹配、未匹配、格式错误。"""
    return _batch(request, batch_id)


@write(router, "/batches/{batch_id}/commit", MatchBatchOut, statuses=(403, 404, 409))
@needs(Right.MATCH_IMPORT)
def match_batch_commit(request, batch_id: int):
    """确认比对：重新校验并与参保登记比对；匹配的行进入待核实队列，格式错误的行不比对。"""
    services.list_commit(actor=request.auth, batch_id=batch_id)
    return _batch(request, batch_id)


@write(router, "/batches/{batch_id}/discard", MatchBatchOut, statuses=(403, 404, 409))
@needs(Right.MATCH_IMPORT)
def match_batch_discard(request, batch_id: int):
    """放弃该名单，删除上传的文件。"""
    services.list_discard(actor=request.auth, batch_id=batch_id)
    return _batch(request, batch_id)


@router.get(
    "/batches/{batch_id}/report.xlsx",
    response=errors(403, 404),
    openapi_extra=binary_response_doc("比对报告：匹配、未匹配、格式错误三张表", XLSX),
)
def match_batch_report(request, batch_id: int):
    """下载比对报告（Excel；姓名、身份证号码已脱敏）。"""
    content, name = exports.batch_report(fetched_by=request.auth, batch_id=batch_id)
    return file_response(content, name, XLSX)


@write(router, "/feed", MatchBatchOut, status=201, statuses=(403, 422))
@needs(Right.MATCH_IMPORT)
def match_feed(request, payload: MatchFeedIn):
    """接口推送名单：与上传文件相同的校验，收到即比对。

    全部行都有格式错误时，批次记录错误后放弃（状态“已放弃”），不比对。
    """
    batch = services.feed_receive(
        actor=request.auth,
        kind=payload.kind,
        source=payload.source,
        rows=[row.model_dump() for row in payload.rows],
    )
    return Status(201, _batch(request, batch.pk))


# --- review -----------------------------------------------------------------------------------


@router.get("/records", response={200: Page[MatchRecordOut], **errors(403, 422)})
def match_record_list(request, query: Query[MatchRecordQuery]):
    """比对结果；待核实队列为 status=pending（最早的在前）。"""
    return list_page(
        request,
        query,
        selectors.record_list,
        status=query.status,
        kind=query.kind,
        batch_id=query.batch_id,
        name_mismatch=query.name_mismatch,
    )


@router.get("/records/{record_id}", response={200: MatchRecordOut, **errors(404)})
def match_record_detail(request, record_id: int):
    return selectors.record_get(fetched_by=request.auth, record_id=record_id)


@write(router, "/records/{record_id}/confirm", MatchRecordOut)
@needs(Right.MATCH_REVIEW)
def match_record_confirm(request, record_id: int):
    """确认：登记身故或住院（自名单日期起）；身故后已支付的待遇生成追回建议。"""
    services.match_confirm(actor=request.auth, record_id=record_id)
    return selectors.record_get(fetched_by=request.auth, record_id=record_id)


@write(router, "/records/{record_id}/reject", MatchRecordOut)
@needs(Right.MATCH_REVIEW)
def match_record_reject(request, record_id: int, payload: MatchRejectIn):
    """排除：不是该参保人的事件（同名、日期不符等），须填写原因。"""
    services.match_reject(actor=request.auth, record_id=record_id, reason=payload.reason)
    return selectors.record_get(fetched_by=request.auth, record_id=record_id)


# --- recovery ---------------------------------------------------------------------------------


@router.get("/recoveries", response={200: Page[MatchRecoveryOut], **errors(403, 422)})
def match_recovery_list(request, query: Query[MatchRecoveryQuery]):
    """身故后已支付待遇的追回建议。"""
    return list_page(
        request, query, selectors.recovery_list, status=query.status, match_id=query.match_id
    )


@write(router, "/recoveries/{proposal_id}/apply", MatchRecoveryOut)
@needs(Right.SETTLEMENT_ADJUST)
def match_recovery_apply(request, proposal_id: int, payload: MatchRecoveryApplyIn):
    """生成追回：在以后月份的未拨付结算中加一条负数明细（结算更正与追回）。"""
    services.recovery_apply(
        actor=request.auth, proposal_id=proposal_id, period_id=payload.period_id
    )
    return selectors.recovery_get(fetched_by=request.auth, proposal_id=proposal_id)


@write(router, "/recoveries/{proposal_id}/dismiss", MatchRecoveryOut)
@needs(Right.SETTLEMENT_ADJUST)
def match_recovery_dismiss(request, proposal_id: int, payload: MatchDismissIn):
    """不予追回，须填写原因。"""
    services.recovery_dismiss(actor=request.auth, proposal_id=proposal_id, reason=payload.reason)
    return selectors.recovery_get(fetched_by=request.auth, proposal_id=proposal_id)
