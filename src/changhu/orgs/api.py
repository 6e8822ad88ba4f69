"""Regions and organizations."""

from __future__ import annotations

from ninja import Router, Schema

from changhu.api.schemas import Page, errors, paginate
from changhu.orgs import selectors

router = Router(tags=["机构与区划"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None


class OrganizationOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    region_code: str
    region_name: str
    status: str
    care_kind: str
    parent_id: int | None


@router.get("/regions", response={200: list[RegionOut], **errors(422)})
def region_list(request, parent: str | None = None):
    """下级行政区划（不带 parent 时为最上级）。"""
    return [
        {
            "code": r.code,
            "name": r.name,
            "level": r.level,
            "parent_code": parent or (r.parent.code if r.parent_id else None),
        }
        for r in selectors.region_children(parent_code=parent).select_related("parent")
    ]


@router.get("/organizations", response={200: Page[OrganizationOut], **errors(422)})
def organization_list(request, kind: str = "", page: int = 1, page_size: int = 20):
    """数据范围内的机构。"""
    qs = selectors.organization_list(fetched_by=request.auth, kind=kind)
    return paginate(
        qs,
        page=page,
        page_size=page_size,
        convert=lambda o: {
            "id": o.pk,
            "kind": o.kind,
            "kind_label": o.get_kind_display(),
            "name": o.name,
            "region_code": o.region.code,
            "region_name": o.region.name,
            "status": o.status,
            "care_kind": o.care_kind,
            "parent_id": o.parent_id,
        },
    )
