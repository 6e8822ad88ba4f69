"""Rows of the providers app as the API's response schemas."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse

from changhu.core import clock
from changhu.providers import rules
from changhu.providers.api._common import XLSX
from changhu.providers.models import (
    Admission,
    Agreement,
    Caregiver,
    Certificate,
    ImportBatch,
    Institution,
)

# --- converters -----------------------------------------------------------------------------


def _agreement(a: Agreement, today: dt.date) -> dict:
    return {
        "id": a.pk,
        "number": a.number,
        "signed_on": a.signed_on,
        "valid_from": a.valid_from,
        "valid_until": a.valid_until,
        "renewal_due": a.renewal_due,
        "ended_on": a.ended_on,
        "status": a.status,
        "status_label": a.get_status_display(),
        "in_force_today": a.in_force_on(today),
    }


def _institution_row(i: Institution) -> dict:
    org = i.organization
    return {
        "id": i.pk,
        "organization_id": org.pk,
        "name": org.name,
        "uscc": org.uscc,
        "care_kind": org.care_kind,
        "care_kind_label": org.get_care_kind_display(),
        "region_code": org.region.code,
        "region_name": org.region.name,
        "address": org.address,
        "beds": i.beds,
        "care_modes": list(i.care_modes),
        "status": i.status,
        "status_label": i.get_status_display(),
        "status_since": i.status_since,
        "caregiver_count": getattr(i, "caregiver_count", 0) or 0,
    }


def _institution_detail(i: Institution) -> dict:
    today = clock.today()
    row = _institution_row(i)
    row["caregiver_count"] = i.caregivers.filter(status="active").count()
    row.update(
        {
            "latitude": float(i.latitude) if i.latitude is not None else None,
            "longitude": float(i.longitude) if i.longitude is not None else None,
            "staff_count": i.staff_count,
            "nurse_count": i.nurse_count,
            "care_worker_count": i.care_worker_count,
            "legal_representative": i.legal_representative,
            "admitted_on": i.admitted_on,
            "fast_channel": i.fast_channel,
            "status_reason": i.status_reason,
            "agreements": [_agreement(a, today) for a in i.agreements.all()],
            "service_points": [
                {
                    "id": p.pk,
                    "name": p.name,
                    "address": p.address,
                    "region_code": p.region.code,
                    "beds": p.beds,
                    "active": p.active,
                }
                for p in i.service_points.select_related("region")
            ],
            "status_history": [
                {
                    "from_status": c.from_status,
                    "to_status": c.to_status,
                    "effective_on": c.effective_on,
                    "reason": c.reason,
                    "actor": c.actor.display_name if c.actor_id else "系统",
                }
                for c in i.status_changes.all()
            ],
        }
    )
    return row


def _admission(a: Admission) -> dict:
    institution = getattr(a, "institution", None) if a.status == "approved" else None
    return {
        "id": a.pk,
        "organization_id": a.organization_id,
        "institution_id": institution.pk if institution else None,
        "name": a.name,
        "uscc": a.uscc,
        "care_kind": a.care_kind,
        "region_code": a.region_code,
        "address": a.address,
        "beds": a.beds,
        "care_modes": list(a.care_modes),
        "staff_count": a.staff_count,
        "nurse_count": a.nurse_count,
        "care_worker_count": a.care_worker_count,
        "medical_designated": a.medical_designated,
        "fast_channel": a.fast_channel,
        "fast_channel_eligible": rules.fast_channel_eligible(
            care_kind=a.care_kind, medical_designated=a.medical_designated
        ),
        "service_points": a.service_points,
        "documents": a.documents,
        "status": a.status,
        "status_label": a.get_status_display(),
        "submitted_at": a.submitted_at,
        "inspection_planned_on": a.inspection_planned_on,
        "inspected_on": a.inspected_on,
        "inspection_passed": a.inspection_passed,
        "inspection_notes": a.inspection_notes,
        "decided_on": a.decided_on,
        "decision_reason": a.decision_reason,
    }


def _certificate(c: Certificate, today: dt.date) -> dict:
    return {
        "id": c.pk,
        "kind": c.kind,
        "kind_label": c.get_kind_display(),
        "qualification": c.qualification,
        "number": c.number,
        "issuer": c.issuer,
        "issued_on": c.issued_on,
        "expires_on": c.expires_on,
        "state": rules.certificate_state(c.issued_on, c.expires_on, today),
    }


def _caregiver_row(c: Caregiver) -> dict:
    proving = [x for x in c.certificates.all() if rules.CERTIFICATE_QUALIFICATION[x.kind]]
    return {
        "id": c.pk,
        "institution_id": c.institution_id,
        "institution_name": c.institution.organization.name,
        "kind": c.kind,
        "kind_label": c.get_kind_display(),
        "name": c.name,
        "id_number_masked": c.id_number_masked,
        "sex": c.sex,
        "birth_date": c.birth_date,
        "phone_masked": c.phone_masked,
        "qualification": c.qualification,
        "status": c.status,
        "status_label": c.get_status_display(),
        "beneficiary_id": c.beneficiary_id,
        "certificate_valid_until": max((x.expires_on for x in proving), default=None),
    }


def _caregiver_detail(c: Caregiver) -> dict:
    today = clock.today()
    row = _caregiver_row(c)
    trainings = list(c.trainings.all())
    row.update(
        {
            "relationship": c.relationship,
            "hired_on": c.hired_on,
            "left_on": c.left_on,
            "version": c.version,
            "certificates": [_certificate(x, today) for x in c.certificates.all()],
            "trainings": [
                {
                    "id": t.pk,
                    "topic": t.topic,
                    "trainer": t.trainer,
                    "held_on": t.held_on,
                    "hours": float(t.hours),
                    "passed": t.passed,
                }
                for t in trainings
            ],
            "training_hours": float(sum(t.hours for t in trainings)),
        }
    )
    return row


def _batch(b: ImportBatch) -> dict:
    return {
        "id": b.pk,
        "kind": b.kind,
        "file_name": b.file_name,
        "status": b.status,
        "mode": b.mode,
        "total_rows": b.total_rows,
        "valid_rows": b.valid_rows,
        "error_rows": b.error_rows,
        "imported_rows": b.imported_rows,
        "errors": b.errors,
        "created_at": b.created_at,
        "committed_at": b.committed_at,
    }


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
