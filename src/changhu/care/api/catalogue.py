"""The service catalogue and its packages over HTTP."""

from __future__ import annotations

import datetime as dt

from changhu.api.schemas import errors
from changhu.care import selectors
from changhu.care.api._common import router
from changhu.care.api.converters import _catalogue, _package_row
from changhu.care.api.schemas import CatalogueListOut, CatalogueOut, PackageOut
from changhu.core.errors import NotFound

# --- catalogue ------------------------------------------------------------------------------


@router.get("/catalogues", response={200: list[CatalogueListOut], **errors()})
def catalogue_list(request):
    """服务项目目录的各个版本（只读）。"""
    return [
        {
            "id": c.pk,
            "code": c.code,
            "version": c.version,
            "name": c.name,
            "effective_from": c.effective_from,
            "checksum": c.checksum,
            "loaded_at": c.loaded_at,
            "item_count": c.item_count,
            "package_count": c.package_count,
        }
        for c in selectors.catalogue_list(fetched_by=request.auth)
    ]


@router.get("/catalogues/current", response={200: CatalogueOut, **errors(404)})
def catalogue_current(request, day: dt.date | None = None):
    """某日生效的目录（默认今天）。"""
    found = selectors.catalogue_current(fetched_by=request.auth, day=day)
    if found is None:
        raise NotFound("该日期没有生效的服务项目目录", code="catalogue_missing")
    return _catalogue(selectors.catalogue_get(fetched_by=request.auth, catalogue_id=found.pk))


@router.get("/catalogues/{int:catalogue_id}", response={200: CatalogueOut, **errors(404)})
def catalogue_detail(request, catalogue_id: int):
    """目录版本的类别、项目和服务包。"""
    return _catalogue(selectors.catalogue_get(fetched_by=request.auth, catalogue_id=catalogue_id))


@router.get("/packages/{int:package_id}", response={200: PackageOut, **errors(404)})
def package_detail(request, package_id: int):
    """服务包：包含的项目和每月上限。"""
    p = selectors.package_get(fetched_by=request.auth, package_id=package_id)
    row = _package_row(p)
    row.update(
        {
            "catalogue_id": p.catalogue_id,
            "catalogue_version": p.catalogue.version,
            "items": [
                {
                    "code": pi.item.code,
                    "name": pi.item.name,
                    "max_per_month": pi.max_per_month,
                    "reference_minutes": pi.item.reference_minutes,
                    "unit_price_fen": pi.item.unit_price_fen,
                    "qualification": pi.item.qualification,
                }
                for pi in p.package_items.all()
            ],
        }
    )
    return row
