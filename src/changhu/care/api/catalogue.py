"""The service catalogue and its packages over HTTP."""

from __future__ import annotations

import datetime as dt

from changhu.api.schemas import errors
from changhu.care import selectors
from changhu.care.api._common import router
from changhu.care.api.schemas import CatalogueListOut, CatalogueOut, PackageOut
from changhu.core.errors import NotFound

# --- catalogue ------------------------------------------------------------------------------


@router.get("/catalogues", response={200: list[CatalogueListOut], **errors()})
def catalogue_list(request):
    """服务项目目录的各个版本（只读）。"""
    return list(selectors.catalogue_list(fetched_by=request.auth))


@router.get("/catalogues/current", response={200: CatalogueOut, **errors(404)})
def catalogue_current(request, day: dt.date | None = None):
    """某日生效的目录（默认今天）。"""
    found = selectors.catalogue_current(fetched_by=request.auth, day=day)
    if found is None:
        raise NotFound("该日期没有生效的服务项目目录", code="catalogue_missing")
    return selectors.catalogue_get(fetched_by=request.auth, catalogue_id=found.pk)


@router.get("/catalogues/{int:catalogue_id}", response={200: CatalogueOut, **errors(404)})
def catalogue_detail(request, catalogue_id: int):
    """目录版本的类别、项目和服务包。"""
    return selectors.catalogue_get(fetched_by=request.auth, catalogue_id=catalogue_id)


@router.get("/packages/{int:package_id}", response={200: PackageOut, **errors(404)})
def package_detail(request, package_id: int):
    """服务包：包含的项目和每月上限。"""
    return selectors.package_get(fetched_by=request.auth, package_id=package_id)
