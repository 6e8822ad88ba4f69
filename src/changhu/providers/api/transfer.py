"""Imports (XLSX or CSV, preview then commit) and exports of institutions and caregivers over
HTTP."""

from __future__ import annotations

from typing import Literal

from ninja import File, Status
from ninja.files import UploadedFile

from changhu.api.rights import needs
from changhu.api.schemas import errors, write
from changhu.core.imports import workbooks
from changhu.orgs.roles import Right
from changhu.providers import exports, imports, selectors
from changhu.providers.api._common import router, xlsx_response
from changhu.providers.api.schemas import ImportBatchOut, ProviderCommitIn

# --- import and export ----------------------------------------------------------------------


@write(router, "/imports/upload/{kind}", ImportBatchOut, status=201, statuses=(403, 413, 422))
@needs(Right.PROVIDERS_ADMIT, Right.CAREGIVERS_MANAGE)
def import_upload(request, kind: Literal["institutions", "caregivers"], file: File[UploadedFile]):
    """上传Excel（.xlsx）或CSV（UTF-8/GB18030）并预览：逐行校验，返回每行每列的错误（行号、列名、原因）。"""
    batch = imports.import_upload(actor=request.auth, kind=kind, upload=file, file_name=file.name)
    return Status(201, batch)


@router.get("/imports/{int:batch_id}", response={200: ImportBatchOut, **errors(404)})
def import_detail(request, batch_id: int):
    return selectors.import_batch_get(fetched_by=request.auth, batch_id=batch_id)


@write(router, "/imports/{int:batch_id}/commit", ImportBatchOut)
@needs(Right.PROVIDERS_ADMIT, Right.CAREGIVERS_MANAGE)
def import_commit(request, batch_id: int, payload: ProviderCommitIn):
    """确认导入：全部导入（有错误时不导入）或仅导入正确的行。"""
    return imports.import_commit(actor=request.auth, batch_id=batch_id, mode=payload.mode)


@write(router, "/imports/{int:batch_id}/discard", ImportBatchOut, statuses=(404, 409))
@needs(Right.PROVIDERS_ADMIT, Right.CAREGIVERS_MANAGE)
def import_discard(request, batch_id: int):
    return imports.import_discard(actor=request.auth, batch_id=batch_id)


@router.get("/imports/{int:batch_id}/errors.xlsx", response={200: None, **errors(404)})
def import_error_report(request, batch_id: int):
    """错误报告（Excel）：行号、列、错误原因、错误代码。"""
    batch = selectors.import_batch_get(fetched_by=request.auth, batch_id=batch_id)
    content, _ = workbooks.error_report(batch)
    return xlsx_response(content, f"import-{batch.pk}-errors.xlsx")


@router.get("/imports/templates/{kind}.xlsx", response={200: None, **errors()})
def import_template(request, kind: Literal["institutions", "caregivers"]):
    """导入模板（表头与说明）。"""
    content, _, _ = imports.PIPELINE.template(kind=kind, file_format="xlsx")
    return xlsx_response(content, f"{kind}-template.xlsx")


@router.get("/exports/institutions.xlsx", response={200: None, **errors(403)})
def export_institutions(request):
    """导出数据范围内的定点护理机构。"""
    return xlsx_response(exports.export_institutions(actor=request.auth), "institutions.xlsx")


@router.get("/exports/caregivers.xlsx", response={200: None, **errors(403)})
def export_caregivers(request):
    """导出数据范围内的护理员（证件号、电话脱敏）。"""
    return xlsx_response(exports.export_caregivers(actor=request.auth), "caregivers.xlsx")
