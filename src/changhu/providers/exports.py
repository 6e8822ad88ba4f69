"""Excel exports of institutions and caregivers, in the import template's columns plus status.

ID numbers and phones are masked, and every export is audited.
"""

from __future__ import annotations

from changhu.core import clock, excel, scope
from changhu.orgs.roles import Right
from changhu.providers import rules, selectors
from changhu.providers.imports import CAREGIVER_COLUMNS, INSTITUTION_COLUMNS


def _workbook(actor, what: str, object_type: str, note: str, columns, rows) -> bytes:
    """The rows under the template's headers plus 状态, once the export is audited."""
    header = [c.label for c in columns] + ["状态"]
    return excel.audited_workbook(
        actor=actor, what=what, object_type=object_type, headers=header, rows=rows, note=note
    )


def export_institutions(*, actor) -> bytes:
    """Institutions in the reader's scope, in the import template's columns plus status."""
    scope.require(actor, Right.PROVIDERS_VIEW)
    today = clock.today()
    rows = []
    qs = selectors.institution_list(fetched_by=actor).prefetch_related("agreements")
    for i in qs:
        org = i.organization
        agreement = next((a for a in i.agreements.all() if a.in_force_on(today)), None)
        rows.append(
            [
                org.name,
                org.uscc,
                org.get_care_kind_display(),
                org.region.code,
                org.address,
                float(i.latitude) if i.latitude is not None else "",
                float(i.longitude) if i.longitude is not None else "",
                i.beds,
                "、".join(rules.MODE_LABELS[m] for m in i.care_modes),
                i.staff_count,
                i.nurse_count,
                i.care_worker_count,
                i.legal_representative,
                org.contact_name,
                org.contact_phone,
                agreement.number if agreement else "",
                agreement.valid_from.isoformat() if agreement else "",
                agreement.valid_until.isoformat() if agreement else "",
                i.get_status_display(),
            ]
        )
    note = f"导出定点护理机构{len(rows)}家"
    return _workbook(
        actor, "定点护理机构", "providers.institution", note, INSTITUTION_COLUMNS, rows
    )


def export_caregivers(*, actor) -> bytes:
    """Caregivers in the reader's scope with masked ID numbers and phones; audited."""
    scope.require(actor, Right.PROVIDERS_VIEW)
    rows = []
    for c in selectors.caregiver_list(fetched_by=actor):
        proving = [x for x in c.certificates.all() if rules.CERTIFICATE_QUALIFICATION[x.kind]]
        latest = max(proving, key=lambda x: x.expires_on, default=None)
        rows.append(
            [
                c.name,
                c.id_number_masked,
                c.phone_masked,
                c.institution.organization.name,
                c.get_kind_display(),
                c.get_qualification_display(),
                c.hired_on.isoformat(),
                c.beneficiary.id_number_masked if c.beneficiary_id else "",
                c.relationship,
                latest.get_kind_display() if latest else "",
                latest.number if latest else "",
                latest.issued_on.isoformat() if latest else "",
                latest.expires_on.isoformat() if latest else "",
                c.get_status_display(),
            ]
        )
    note = f"导出护理员{len(rows)}人（证件号、电话已脱敏）"
    return _workbook(actor, "护理员", "providers.caregiver", note, CAREGIVER_COLUMNS, rows)
