"""Bulk import over HTTP: upload and preview, commit or discard, error report, templates."""

from __future__ import annotations

from typing import Literal

from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, list_page, write
from changhu.core.downloads import binary_response_doc, file_response
from changhu.insured import imports
from changhu.insured.api.schemas import (
    BatchListOut,
    CommitIn,
    RegisterImportBatchOut,
)
from changhu.orgs.roles import Right

router = Router(tags=["批量导入"])

KindLiteral = Literal["persons", "life_events"]


class BatchQuery(Schema):
    kind: str = ""
    status: str = ""
    page: int = 1
    page_size: int = 20


def _fresh(request, batch_id: int):
    return imports.batch_get(fetched_by=request.auth, batch_id=batch_id)


@router.get(
    "/templates/{kind}",
    response=errors(422),
    openapi_extra=binary_response_doc("导入模板（xlsx 或 csv）", imports.XLSX_TYPE),
)
def template_download(request, kind: KindLiteral, format: Literal["csv", "xlsx"] = "xlsx"):
    """下载导入模板（中文表头；xlsx 含填写说明）。"""
    content, name, media_type = imports.template_file(kind=kind, file_format=format)
    return file_response(content, name, media_type)


@router.post("", response={201: RegisterImportBatchOut, **errors(403, 413, 422)})
@needs(Right.INSURED_IMPORT)
def batch_upload(
    request,
    kind: Form[KindLiteral],
    file: File[UploadedFile],
    errors_limit: int = 100,
):
    """上传 CSV（UTF-8/GB18030）或 Excel（.xlsx）文件并预览：返回行数、正确行数和逐行错误。

    此时不写入任何参保数据；确认导入请调用 commit。无法识别的文件会被拒绝且不保存。
    """
    batch = imports.import_upload(actor=request.auth, kind=kind, upload=file, file_name=file.name)
    return Status(201, _fresh(request, batch.pk))


@router.get("", response={200: Page[BatchListOut], **errors(403, 422)})
def batch_list(request, query: Query[BatchQuery]):
    """可见的导入批次（本机构；医保局可见辖区内机构的批次），最新的在前。"""
    return list_page(request, query, imports.batch_list, kind=query.kind, status=query.status)


@router.get("/{batch_id}", response={200: RegisterImportBatchOut, **errors(404, 422)})
def batch_detail(request, batch_id: int, errors_limit: int = 100):
    """导入批次详情：合计、前 errors_limit 条错误、前几行预览（已脱敏）。"""
    return _fresh(request, batch_id)


@write(router, "/{batch_id}/commit", RegisterImportBatchOut)
@needs(Right.INSURED_IMPORT)
def batch_commit(request, batch_id: int, payload: CommitIn):
    """确认导入：重新校验后在一个事务中写入。

    all_or_nothing 时只要有错误行就不导入（409 import_has_errors）；valid_only 只导入正确的行。
    """
    imports.import_commit(actor=request.auth, batch_id=batch_id, mode=payload.mode)
    return _fresh(request, batch_id)


@write(router, "/{batch_id}/discard", RegisterImportBatchOut, statuses=(403, 404, 409))
@needs(Right.INSURED_IMPORT)
def batch_discard(request, batch_id: int):
    """放弃导入，删除上传的文件。"""
    imports.import_discard(actor=request.auth, batch_id=batch_id)
    return _fresh(request, batch_id)


@router.get(
    "/{batch_id}/errors.xlsx",
    response=errors(404),
    openapi_extra=binary_response_doc("错误明细 Excel 文件", imports.XLSX_TYPE),
)
def batch_error_report(request, batch_id: int):
    """下载错误明细（Excel）：行号、列、错误原因、错误代码。"""
    content, name = imports.error_report(fetched_by=request.auth, batch_id=batch_id)
    return file_response(content, name, imports.XLSX_TYPE)
