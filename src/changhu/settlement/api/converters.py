"""Rows of the settlement app as the API's response schemas."""

from __future__ import annotations

from changhu.settlement import selectors
from changhu.settlement.models import Claim, ClaimLine, PaymentOrder, SettlementPeriod

# --- rows -----------------------------------------------------------------------------------


def _period(p: SettlementPeriod) -> dict:
    return {
        "id": p.pk,
        "month": p.month,
        "region_code": p.region_code,
        "region_name": p.region.name,
        "policy": p.policy.ref,
        "supplementary": p.supplementary.ref if p.supplementary_id else None,
        "status": p.status,
        "status_label": p.get_status_display(),
        "line_count": p.line_count,
        "fund_fen": p.fund_fen,
        "supplementary_fen": p.supplementary_fen,
        "personal_fen": p.personal_fen,
        "computed_at": p.computed_at,
        "paid_at": p.paid_at,
    }


def _run(r) -> dict:
    return {
        "id": r.pk,
        "period_id": r.period_id,
        "status": r.status,
        "status_label": r.get_status_display(),
        "total_chunks": r.total_chunks,
        "done_chunks": r.done_chunks,
        "percent": r.percent,
        "line_count": r.line_count,
        "error": r.error,
        "created_at": r.created_at,
        "finished_at": r.finished_at,
    }


def _user(u) -> str | None:
    return u.display_name if u is not None else None


def _claim(c: Claim) -> dict:
    return {
        "id": c.pk,
        "period_id": c.period_id,
        "month": c.period.month,
        "institution_id": c.institution_id,
        "institution_name": c.institution.organization.name,
        "status": c.status,
        "status_label": c.get_status_display(),
        "line_count": c.line_count,
        "person_count": c.person_count,
        "fund_fen": c.fund_fen,
        "supplementary_fen": c.supplementary_fen,
        "personal_fen": c.personal_fen,
        "withdrawn_fen": c.withdrawn_fen,
        "rejected_fen": c.rejected_fen,
        "excluded_count": c.excluded_count,
        "submitted_at": c.submitted_at,
        "first_reviewer": _user(c.first_reviewer) if c.first_reviewer_id else None,
        "first_reviewed_at": c.first_reviewed_at,
        "second_reviewer": _user(c.second_reviewer) if c.second_reviewer_id else None,
        "second_reviewed_at": c.second_reviewed_at,
        "paid_at": c.paid_at,
    }


def line_row(x: ClaimLine) -> dict:
    return {
        "id": x.pk,
        "claim_id": x.claim_id,
        "person_id": x.person_id,
        "person_name": x.person.name,
        "benefit": x.benefit,
        "benefit_name": x.benefit_name,
        "kind": x.kind,
        "payer": x.payer,
        "tier": x.tier,
        "payee": x.payee_kind,
        "grade": x.grade,
        "care_mode": x.care_mode,
        "institution_class": x.institution_class,
        "eligible_days": x.eligible_days,
        "days": selectors.line_days(x),
        "eligible_cost_fen": x.eligible_cost_fen,
        "fund_fen": x.fund_fen,
        "personal_fen": x.personal_fen,
        "rule": x.rule,
        "status": x.status,
        "reason_code": x.reason_code,
        "reason": x.reason,
        "visit_count": x.visit_count,
        "source": x.source,
        "adjusts_id": x.adjusts_id,
    }


def _payment(o: PaymentOrder) -> dict:
    name = o.institution.organization.name if o.institution_id else o.person.name
    return {
        "id": o.pk,
        "payer": o.payer,
        "payee_kind": o.payee_kind,
        "payee_name": name,
        "institution_id": o.institution_id,
        "person_id": o.person_id,
        "amount_fen": o.amount_fen,
        "line_count": o.line_count,
        "status": o.status,
        "entry_id": o.entry_id,
    }


def _fresh_claim(request, claim_id: int) -> dict:
    return _claim(selectors.claim_get(fetched_by=request.auth, claim_id=claim_id))


def _fresh_line(request, line_id: int) -> dict:
    return line_row(selectors.line_get(fetched_by=request.auth, line_id=line_id))
