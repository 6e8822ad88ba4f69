"""Regions, organizations and the audit trail."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema
from pydantic import Field

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, paginate
from changhu.core.downloads import XLSX, binary_response_doc, file_response
from changhu.orgs import audit_trail, selectors
from changhu.orgs.api.schemas import AuditEntryOut, OrganizationOut, RegionOut
from changhu.orgs.roles import Right

router = Router(tags=["机构与区划"])


@router.get("/regions", response={200: list[RegionOut], **errors(422)})
def region_list(request, parent: str | None = None):
    """下级行政区划（不带 parent 时为最上级）。"""
    return list(selectors.region_children(parent_code=parent).select_related("parent"))


@router.get("/organizations", response={200: Page[OrganizationOut], **errors(422)})
def organization_list(request, kind: str = "", page: int = 1, page_size: int = 20):
    """数据范围内的机构。"""
    qs = selectors.organization_list(fetched_by=request.auth, kind=kind)
    return paginate(qs, page=page, page_size=page_size)


class AuditQuery(Schema):
    start: dt.date | None = Field(None, description="起始日期（含），默认截止日期前30天")
    end: dt.date | None = Field(None, description="截止日期（含），默认今天")
    actor: str = Field("", max_length=150, description="操作人登录名或姓名")
    object_type: str = Field("", max_length=64, description="对象类型，如 insured.person")
    action: str = Field("", max_length=16, description="操作：create、update、view_full、export…")


def _filters(query: AuditQuery) -> audit_trail.AuditFilters:
    return audit_trail.clean_filters(**query.dict())


@router.get("/audit", response={200: Page[AuditEntryOut], **errors(403, 422)})
@needs(Right.AUDIT_EXPORT)
def audit_list(request, query: Query[AuditQuery], page: int = 1, page_size: int = 50):
    """数据范围内的审计日志（医保局：本地区机构人员及系统的操作；其他机构：本机构及下属网点人员的
    操作），按时间先后，可按日期、操作人、对象类型、操作筛选；一次最多查询一年。"""
    entries = audit_trail.audit_entries(fetched_by=request.auth, filters=_filters(query))
    return paginate(entries, page=page, page_size=page_size)


@router.get(
    "/audit.xlsx",
    response=errors(403, 422),
    openapi_extra=binary_response_doc("审计日志 Excel 文件", XLSX),
)
@needs(Right.AUDIT_EXPORT)
def audit_export(request, query: Query[AuditQuery]):
    """导出审计日志（Excel）：与列表相同的范围和筛选；一次最多十万条。每次导出本身记入审计。"""
    content, name = audit_trail.export_audit(actor=request.auth, filters=_filters(query))
    return file_response(content, name, XLSX)
