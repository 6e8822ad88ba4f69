"""Findings raised by people rather than by the screening: a substantiated complaint about a
visit, or a return visit that found the service was not as recorded.

They enter the same queue as the screening's findings (open, for a supervisor to confirm or
dismiss with ``finding_resolve``); a confirmed one stops payment of its visit. Screening a month
again replaces only its own open findings, never these.
"""

from __future__ import annotations

from django.db import transaction

from changhu.core import audit
from changhu.core.errors import field_error
from changhu.core.scope import require, scoped
from changhu.orgs.roles import Right
from changhu.visits import rulesets
from changhu.visits.models import Finding, Visit
from changhu.visits.rules import RAISED_RULES  # labels in rules.RULE_LABELS

MAX_VISITS = 31


def finding_raise(
    *, actor, visit_ids: list[int], rule_code: str, note: str, source: str
) -> list[Finding]:
    """Open a finding on each visit named (in the actor's scope), saying why and where it came
    from (``source``: "投诉TS20261201-0001"). A visit that already has an open or resolved
    finding of this rule keeps it; the existing one is returned."""
    require(actor, Right.VISITS_RESOLVE)
    if rule_code not in RAISED_RULES:
        raise field_error("rule_code", "finding_rule_invalid", "不能以此规则登记稽核发现")
    note = (note or "").strip()
    if not note:
        raise field_error("note", "finding_note_required", "请写明服务不实的情况")
    ids = sorted({int(v) for v in visit_ids or []})
    if not ids:
        raise field_error("visit_ids", "finding_visits_required", "请选择涉及的服务记录")
    if len(ids) > MAX_VISITS:
        raise field_error(
            "visit_ids", "finding_visits_too_many", f"一次最多选择{MAX_VISITS}条服务记录"
        )
    visits = list(scoped(Visit.objects.all(), actor).filter(pk__in=ids).order_by("pk"))
    if len(visits) != len(ids):
        raise field_error(
            "visit_ids", "finding_visit_not_found", "所选服务记录不存在或不在您的管辖范围内"
        )
    findings = []
    with transaction.atomic():
        for visit in visits:
            existing = Finding.objects.filter(rule_code=rule_code, visit=visit).first()
            if existing is not None:
                findings.append(existing)
                continue
            finding = Finding.objects.create(
                visit=visit,
                person_id=visit.person_id,
                institution_id=visit.institution_id,
                caregiver_id=visit.caregiver_id,
                region_code=visit.region_code,
                period=f"{visit.service_date:%Y-%m}",
                service_date=visit.service_date,
                rule_code=rule_code,
                severity=RAISED_RULES[rule_code],
                rule_version=rulesets.rule_set_on(visit.service_date).version,
                reason=f"{source}：{note}"[:1000],
                detail={"source": source[:100], "raised_by": actor.pk},
            )
            audit.record(action="create", obj=finding, user=actor, note=f"{source}：{note}"[:300])
            findings.append(finding)
    return findings
