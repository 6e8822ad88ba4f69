"""Rows of the care app as the API's response schemas."""

from __future__ import annotations

from changhu.care import conf, eligibility, selectors
from changhu.care.models import (
    Arrangement,
    Assignment,
    CarePlan,
    Catalogue,
    Entitlement,
    Package,
    Pause,
)
from changhu.core import clock

# --- converters -----------------------------------------------------------------------------


def _item(i) -> dict:
    return {
        "id": i.pk,
        "code": i.code,
        "name": i.name,
        "category": i.category.name,
        "category_kind": i.category.kind,
        "reference_minutes": i.reference_minutes,
        "frequency_times": i.frequency_times,
        "frequency_period": i.frequency_period,
        "frequency_label": i.frequency_label,
        "qualification": i.qualification,
        "unit_price_fen": i.unit_price_fen,
        "fund_covered": i.fund_covered,
        "description": i.description,
    }


def _package_row(p: Package) -> dict:
    return {
        "id": p.pk,
        "code": p.code,
        "name": p.name,
        "grade": p.grade,
        "care_mode": p.care_mode,
        "care_mode_label": p.get_care_mode_display(),
        "max_services_per_month": p.max_services_per_month,
        "max_minutes_per_month": p.max_minutes_per_month,
        "max_amount_fen_per_month": p.max_amount_fen_per_month,
        "max_visits_per_month": p.max_visits_per_month,
    }


def _catalogue(c: Catalogue) -> dict:
    return {
        "id": c.pk,
        "code": c.code,
        "version": c.version,
        "name": c.name,
        "region_code": c.region_code,
        "effective_from": c.effective_from,
        "source": c.source,
        "checksum": c.checksum,
        "categories": [
            {
                "code": cat.code,
                "name": cat.name,
                "kind": cat.kind,
                "items": [_item(i) for i in cat.items.all()],
            }
            for cat in c.categories.all()
        ],
        "packages": [_package_row(p) for p in c.packages.all()],
    }


def _arrangement(a: Arrangement) -> dict:
    return {
        "id": a.pk,
        "start_date": a.start_date,
        "end_date": a.end_date,
        "care_mode": a.care_mode,
        "care_mode_label": a.get_care_mode_display(),
        "institution_id": a.institution_id,
        "institution_name": a.institution.organization.name,
        "social_support": a.social_support,
        "reason": a.reason,
    }


def _entitlement_row(e: Entitlement) -> dict:
    today = clock.today()
    arrangements = list(e.arrangements.all())
    current = selectors.arrangement_on(e, min(max(today, e.valid_from), e.last_day)) or (
        arrangements[-1] if arrangements else None
    )
    return {
        "id": e.pk,
        "person_id": e.person_id,
        "person_name": e.person.name,
        "person_id_number_masked": e.person.id_number_masked,
        "grade": e.grade,
        "grade_label": conf.grade_label(e.grade),
        "conclusion_id": e.conclusion_id,
        "conclusion_ref": e.conclusion_ref,
        "valid_from": e.valid_from,
        "valid_until": e.valid_until,
        "end_date": e.end_date,
        "last_day": e.last_day,
        "status": e.status,
        "status_label": e.get_status_display(),
        "end_reason": e.end_reason,
        "current_care_mode": current.care_mode if current else "",
        "current_institution_id": current.institution_id if current else None,
        "current_institution_name": current.institution.organization.name if current else "",
    }


def _entitlement(e: Entitlement) -> dict:
    row = _entitlement_row(e)
    row.update(
        {
            "end_note": e.end_note,
            "arrangements": [_arrangement(a) for a in e.arrangements.all()],
            "pauses": [_pause(p) for p in e.pauses.all()],
            "plan_ids": [p.pk for p in e.care_plans.all()],
        }
    )
    return row


def _pause(p: Pause) -> dict:
    return {"id": p.pk, "start_date": p.start_date, "end_date": p.end_date, "reason": p.reason}


def _day(a: eligibility.DayAnswer) -> dict:
    return {
        "day": a.day,
        "eligible": a.eligible,
        "reason": a.reason,
        "reason_label": a.reason_label,
        "entitlement_id": a.entitlement_id,
        "grade": a.grade,
        "care_mode": a.care_mode,
        "institution_id": a.institution_id,
        "social_support": a.social_support,
    }


def _plan_row(p: CarePlan) -> dict:
    return {
        "id": p.pk,
        "person_id": p.person_id,
        "person_name": p.person.name,
        "version": p.version,
        "status": p.status,
        "status_label": p.get_status_display(),
        "institution_id": p.institution_id,
        "institution_name": p.institution.organization.name,
        "care_mode": p.care_mode,
        "grade": p.grade,
        "package_code": p.package.code,
        "monthly_services": p.monthly_services,
        "monthly_minutes": p.monthly_minutes,
        "monthly_amount_fen": p.monthly_amount_fen,
        "valid_from": p.valid_from,
        "valid_until": p.valid_until,
        "revision_due_since": p.revision_due_since,
        "revision_reason": p.revision_reason,
    }


def _plan(p: CarePlan) -> dict:
    row = _plan_row(p)
    row.update(
        {
            "entitlement_id": p.entitlement_id,
            "package_name": p.package.name,
            "catalogue_version": p.package.catalogue.version,
            "visits_times": p.visits_times,
            "visits_period": p.visits_period,
            "note": p.note,
            "items": [
                {
                    "item_code": i.item.code,
                    "item_name": i.item.name,
                    "qualification": i.item.qualification,
                    "times": i.times,
                    "period": i.period,
                    "frequency_label": i.frequency_label,
                    "minutes": i.minutes,
                    "monthly_count": i.monthly_count,
                    "unit_price_fen": i.item.unit_price_fen,
                    "note": i.note,
                }
                for i in p.items.all()
            ],
            "confirmed_at": p.confirmed_at,
            "confirmation_channel": p.confirmation_channel,
            "signer_name": p.signer_name,
            "signer_relationship": p.signer_relationship,
            "confirmation_note": p.confirmation_note,
        }
    )
    return row


def _assignment(a: Assignment) -> dict:
    return {
        "id": a.pk,
        "person_id": a.person_id,
        "caregiver_id": a.caregiver_id,
        "caregiver_name": a.caregiver.name,
        "item_code": a.item.code if a.item_id else "",
        "item_name": a.item.name if a.item_id else "",
        "start_date": a.start_date,
        "end_date": a.end_date,
    }
