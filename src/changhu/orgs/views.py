"""Staff pages for organizations: a scoped list filtered by kind, and a detail page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from changhu.core.errors import NotFound
from changhu.core.masking import mask_phone
from changhu.orgs import selectors
from changhu.orgs.models import OrgKind
from changhu.web.shortcuts import staff_view

PAGE_SIZE = 20


@staff_view
@require_GET
def organization_list(request):
    kind = request.GET.get("kind", "")
    if kind not in OrgKind.values:
        kind = ""
    organizations = selectors.organization_list(fetched_by=request.user, kind=kind)
    page = Paginator(organizations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/organization_list.html",
        {"page": page, "kind": kind, "kinds": OrgKind.choices},
    )


@staff_view
@require_GET
def organization_detail(request, pk: int):
    visible = selectors.organization_list(fetched_by=request.user)
    organization = (
        visible.filter(pk=pk).select_related("consortium").prefetch_related("coverage").first()
    )
    if organization is None:
        raise NotFound()
    return render(
        request,
        "orgs/organization_detail.html",
        {
            "organization": organization,
            "contact_phone": mask_phone(organization.contact_phone),
            "coverage": list(organization.coverage.all()),
            "branches": list(visible.filter(parent=organization)),
        },
    )
