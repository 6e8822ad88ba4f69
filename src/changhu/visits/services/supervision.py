"""Supervision: patrol visits to family-care homes, resolving screening findings, and requesting a
screening run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from changhu.care import eligibility
from changhu.core import audit, clock, months
from changhu.core.errors import (
    Conflict,
    PermissionDenied,
    field_error,
)
from changhu.core.scope import get_scoped, require
from changhu.core.transitions import apply
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.providers.models import Caregiver, CaregiverKind, Institution
from changhu.visits import geo, rulesets
from changhu.visits.facts import check_in_facts
from changhu.visits.models import (
    BedDay,
    Finding,
    PatrolVisit,
    RunStatus,
    ScreeningRun,
    Visit,
)
from changhu.visits.services._common import (
    FINDING_FLOW,
    _event_time,
    _photo_id,
    _plausible,
    _position,
    _uuid,
)
from changhu.visits.services.follow_ups import (
    MAX_PER_PATROL,
    CleanFollowUp,
    FollowUpInput,
    clean_follow_up,
    create_follow_up,
)

# --- patrol visits --------------------------------------------------------------------------


@dataclass
class PatrolInput:
    client_uuid: object
    person_id: int
    device_time: dt.datetime
    results: dict[str, bool]
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None
    datum: str = "wgs84"
    condition_note: str = ""
    findings: str = ""
    follow_up: bool = False
    photo_sha256s: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    follow_ups: list = field(default_factory=list)  # FollowUpInput or dicts of its fields


def patrol_record(
    *, actor, data: PatrolInput, now: dt.datetime | None = None
) -> tuple[PatrolVisit, bool]:
    """巡护: the institution's visit to a family-care beneficiary, with the checklist of the
    family caregiver's skills and the person's condition, findings and photos."""
    s = require(actor, Right.VISITS_PATROL)
    key = _uuid(data.client_uuid)
    existing = PatrolVisit.objects.filter(client_uuid=key).first()
    if existing is not None:
        if existing.patroller_id != actor.pk:
            raise Conflict("事件编号已被使用", code="uuid_reused")
        return existing, False
    if s.organization_kind != OrgKind.CARE:
        raise PermissionDenied("只有护理机构可以登记巡护")
    institution = Institution.objects.filter(organization_id=s.organization_id).first()
    if institution is None:
        raise PermissionDenied("本机构尚未成为定点护理机构")
    now = now or clock.now()
    rule_data = rulesets.rules_on(timezone.localdate(now))
    at = _event_time(data.device_time, now=now, clock=rule_data.clock, offline=True)
    day = timezone.localdate(at)
    known = check_in_facts(person_id=data.person_id, day=day)
    answer = eligibility.answer(known.facts, day)
    if (
        known.person_id is None
        or answer.care_mode != "family"
        or (answer.institution_id != institution.pk)
    ):
        raise Conflict(
            f"该参保人{day}不是本机构指导的亲情照护对象",
            code="not_family_care",
            fields={"person_id": "不是本机构的亲情照护对象"},
        )
    checklist = rule_data.checklist
    codes = {entry["code"] for entry in checklist}
    missing = sorted(codes - set(data.results))
    if missing:
        raise field_error("results", "checklist_incomplete", f"检查表未填写完整：{missing[0]}")
    unknown = sorted(set(data.results) - codes)
    if unknown:
        raise field_error("results", "checklist_unknown", f"检查表没有此项：{unknown[0]}")
    position = None
    distance = None
    if data.latitude is not None and data.longitude is not None:
        position = _position(data.latitude, data.longitude, data.accuracy_m, data.datum)
        _plausible(position[:2], known.home)
        if known.home:
            distance = round(geo.haversine_m(*known.home, position[0], position[1]))
    photo_ids = [_photo_id(sha, "photo_sha256s") for sha in data.photo_sha256s[:10]]
    results = [
        {
            **entry,
            "ok": bool(data.results[entry["code"]]),
            "note": (data.notes.get(entry["code"], "") or "")[:200],
        }
        for entry in checklist
    ]
    failed = [r for r in results if not r["ok"]]
    follow_ups = _clean_follow_ups(data.follow_ups)
    family = Caregiver.objects.filter(
        kind=CaregiverKind.FAMILY, beneficiary_id=data.person_id, institution=institution
    ).first()
    with transaction.atomic():
        try:
            with transaction.atomic():
                patrol = PatrolVisit.objects.create(
                    client_uuid=key,
                    institution=institution,
                    person_id=data.person_id,
                    family_caregiver=family,
                    patroller=actor,
                    region_code=known.region_code,
                    visited_at=at,
                    service_date=day,
                    latitude=position[0] if position else None,
                    longitude=position[1] if position else None,
                    accuracy_m=position[2] if position else None,
                    distance_m=distance,
                    checklist_version=rule_data.version,
                    checklist=results,
                    condition_note=(data.condition_note or "")[:500],
                    findings=(data.findings or "")[:1000],
                    follow_up=bool(data.follow_up or failed or follow_ups),
                )
        except IntegrityError:
            return PatrolVisit.objects.get(client_uuid=key), False
        if photo_ids:
            patrol.photos.set(photo_ids)
        for clean in follow_ups:
            create_follow_up(actor=actor, patrol=patrol, clean=clean)
        audit.record(
            action="create",
            obj=patrol,
            user=actor,
            note=f"巡护：检查{len(results)}项，未通过{len(failed)}项"
            + ("，需跟进" if patrol.follow_up else "")
            + (f"，设定跟进事项{len(follow_ups)}项" if follow_ups else ""),
        )
    return patrol, True


def _clean_follow_ups(entries) -> list[CleanFollowUp]:
    entries = list(entries or [])
    if len(entries) > MAX_PER_PATROL:
        raise field_error(
            "follow_ups", "follow_ups_too_many", f"一次巡护最多设定{MAX_PER_PATROL}项跟进"
        )
    return [
        clean_follow_up(
            entry if isinstance(entry, FollowUpInput) else FollowUpInput(**entry),
            prefix=f"follow_ups.{i}.",
        )
        for i, entry in enumerate(entries)
    ]


# --- findings -------------------------------------------------------------------------------


def _visits_of_finding(finding: Finding):
    """The visits a confirmed finding stops payment of: its own visit, or for a month of
    suspiciously identical durations, the visits of that caregiver and person that were."""
    if finding.visit_id:
        yield Visit.objects.filter(pk=finding.visit_id)
    elif finding.rule_code == "identical_durations" and finding.caregiver_id:
        first, last = months.bounds(finding.period)
        modal = int(finding.detail.get("modal_minutes", 0))
        tolerance = int(finding.detail.get("tolerance_minutes", 0))
        yield Visit.objects.filter(
            caregiver_id=finding.caregiver_id,
            person_id=finding.person_id,
            service_date__gte=first,
            service_date__lte=last,
            duration_minutes__gte=modal - tolerance,
            duration_minutes__lte=modal + tolerance,
        )


def finding_resolve(*, actor, finding_id: int, decision: str, reason: str) -> Finding:
    """A supervisor confirms a finding (the visit or bed-day is then not paid) or dismisses
    it, with a reason either way."""
    require(actor, Right.VISITS_RESOLVE)
    if decision not in ("confirm", "dismiss"):
        raise field_error("decision", "decision_invalid", "处理结果应为确认违规或排除")
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", "reason_required", "请填写处理意见")
    with transaction.atomic():
        finding = get_scoped(Finding.objects.select_for_update(), actor, pk=finding_id)
        apply(
            FINDING_FLOW,
            finding,
            decision,
            actor=actor,
            reason=reason,
            extra_updates={
                "resolved_by": actor,
                "resolved_at": clock.now(),
                "resolution_reason": reason[:500],
            },
            audit=False,  # recorded below
        )
        if decision == "confirm":
            for visits in _visits_of_finding(finding):
                visits.update(payable=False)
            if finding.bed_day_id:
                BedDay.objects.filter(pk=finding.bed_day_id).update(payable=False)
        audit.record(
            action="update",
            obj=finding,
            user=actor,
            note=f"{'确认违规' if decision == 'confirm' else '排除'}：{reason[:200]}",
        )
    return finding


# --- screening requests ---------------------------------------------------------------------


def period_of(value: str) -> str:
    """A month as ``YYYY-MM``, or 422 ``period_invalid``."""
    try:
        first, _ = months.bounds(str(value))
    except ValueError:
        raise field_error("period", "period_invalid", "月份应为YYYY-MM格式") from None
    return first.strftime("%Y-%m")


def screening_request(*, actor, period: str, source: str = "web") -> ScreeningRun:
    """Queue a screening of a month for the worker (``changhu run-jobs``)."""
    s = require(actor, Right.VISITS_SCREEN) if actor is not None else None
    period = period_of(period)
    first, _ = months.bounds(period)
    if first > clock.today():
        raise field_error("period", "period_in_future", "不能稽核尚未开始的月份")
    rule_set = rulesets.rule_set_on(first)
    with transaction.atomic():
        busy = ScreeningRun.objects.filter(
            period=period, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
        )
        if busy.exists():
            raise Conflict(f"{period}的稽核正在进行中", code="screening_in_progress")
        run = ScreeningRun.objects.create(
            period=period,
            rule_set_id=rule_set.pk,
            source=source,
            requested_by=actor,
            scope_prefixes=[] if s is None or s.unrestricted else list(s.region_prefixes),
        )
        audit.record(action="create", obj=run, user=actor, note=f"发起{period}稽核")
        return run
