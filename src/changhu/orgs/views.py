"""Staff pages for organizations (a scoped list filtered by kind, a detail page) and the audit
trail (filters, the latest entries, the Excel export)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from changhu.core.downloads import XLSX, file_response
from changhu.core.errors import ValidationFailed
from changhu.core.masking import mask_phone
from changhu.core.models import AuditEntry
from changhu.core.scope import require
from changhu.orgs import audit_trail, selectors
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.web.pages import paginate
from changhu.web.shortcuts import staff_view


@staff_view
@require_GET
def organization_list(request):
    kind = request.GET.get("kind", "")
    if kind not in OrgKind.values:
        kind = ""
    organizations = selectors.organization_list(fetched_by=request.user, kind=kind)
    page = paginate(request, organizations)
    return render(
        request,
        "orgs/organization_list.html",
        {"page": page, "kind": kind, "kinds": OrgKind.choices},
    )


@staff_view
@require_GET
def organization_detail(request, pk: int):
    organization = selectors.organization_get(fetched_by=request.user, organization_id=pk)
    return render(
        request,
        "orgs/organization_detail.html",
        {
            "organization": organization,
            "contact_phone": mask_phone(organization.contact_phone),
            "coverage": list(organization.coverage.all()),
            "branches": selectors.organization_branches(
                fetched_by=request.user, organization=organization
            ),
        },
    )


AUDIT_FILTERS = ("start", "end", "actor", "object_type", "action")
AUDIT_PAGE_SIZE = 50


@staff_view
@require_GET
def audit_log(request):
    """审计日志: the entries in the reader's scope, newest first, and the export of them."""
    require(request.user, Right.AUDIT_EXPORT)
    typed = {name: request.GET.get(name, "") for name in AUDIT_FILTERS}
    error, status = None, 200
    try:
        filters = audit_trail.clean_filters(**typed)
        entries = audit_trail.audit_entries(fetched_by=request.user, filters=filters).order_by(
            "-at", "-id"
        )
        shown = {"start": filters.start.isoformat(), "end": filters.end.isoformat()}
    except ValidationFailed as exc:
        error, status = exc, 422
        entries = []
        shown = {}
    page = paginate(request, entries, AUDIT_PAGE_SIZE)
    return render(
        request,
        "orgs/audit_log.html",
        {
            "page": page,
            "error": error,
            "values": {**typed, **shown},
            "object_types": audit_trail.object_type_choices(),
            "actions": AuditEntry.Action.choices,
            "channels": audit_trail.CHANNELS,
            "max_rows": audit_trail.MAX_ROWS,
        },
        status=status,
    )


@staff_view
@require_GET
def audit_export(request):
    """The Excel file of the entries the filters select (the export is recorded)."""
    typed = {name: request.GET.get(name, "") for name in AUDIT_FILTERS}
    filters = audit_trail.clean_filters(**typed)
    content, name = audit_trail.export_audit(actor=request.user, filters=filters)
    return file_response(content, name, XLSX)
