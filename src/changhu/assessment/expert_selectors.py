"""Reads of the city expert pool and the draws of confirming experts (split from selectors)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from changhu.assessment.models import (
    Application,
    Assessment,
    DrawnExpert,
    ExpertConflict,
    ExpertDraw,
    PoolExpert,
)
from changhu.assessment.selectors import care_institutions_for
from changhu.core import clock, scope
from changhu.core.db import filter_given
from changhu.orgs.roles import Right

# --- the expert pool and the draw of confirming experts -------------------------------------


def workload_window_start(today: dt.date | None = None) -> dt.date:
    """Workload is counted over the current month (the first day of the month of ``today``)."""
    return clock.month_start(today)


def expert_loads(expert_ids: Iterable[int], since: dt.date) -> dict[int, int]:
    """How many standing draws since ``since`` named each pool expert (one per case)."""
    rows = (
        DrawnExpert.objects.filter(
            expert_id__in=list(expert_ids), draw__active=True, draw__drawn_at__date__gte=since
        )
        .values_list("expert_id")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


@dataclass
class PoolFilters:
    q: str = ""  # the expert's name (prefix)
    institution_id: int | None = None
    profession: str = ""
    active: bool | None = None


def pool_list(*, fetched_by, filters: PoolFilters | None = None) -> QuerySet:
    """Pool entries in the reader's scope, each with ``load``: draws this month."""
    filters = filters or PoolFilters()
    qs = scope.scoped(PoolExpert.objects.all(), fetched_by).select_related("user", "institution")
    qs = filter_given(
        qs,
        institution_id=filters.institution_id,
        profession=filters.profession,
        active=filters.active,
    )
    text = (filters.q or "").strip()
    if text:
        qs = qs.filter(Q(user__real_name__startswith=text) | Q(user__username=text))
    since = workload_window_start()
    load = Count(
        "picks", filter=Q(picks__draw__active=True, picks__draw__drawn_at__date__gte=since)
    )
    return qs.annotate(load=load).order_by("-active", "institution__name", "user__real_name", "pk")


def pool_expert_get(*, fetched_by, expert_id: int) -> PoolExpert:
    return scope.get_scoped(
        PoolExpert.objects.select_related("user", "institution"), fetched_by, pk=expert_id
    )


def conflicts_of(*, fetched_by, expert: PoolExpert) -> QuerySet:
    qs = scope.scoped(ExpertConflict.objects.filter(expert=expert), fetched_by)
    return qs.select_related("person", "organization", "declared_by")


def conflict_get(*, fetched_by, conflict_id: int) -> ExpertConflict:
    return scope.get_scoped(
        ExpertConflict.objects.select_related("expert", "person", "organization"),
        fetched_by,
        pk=conflict_id,
    )


def _serving(region_code: str, today: dt.date) -> QuerySet:
    """Pool entries that may serve a case of this region today."""
    prefixes = [region_code[:n] for n in range(2, len(region_code) + 1)]
    return PoolExpert.objects.filter(
        Q(active_until__isnull=True) | Q(active_until__gte=today),
        active=True,
        active_from__lte=today,
        user__is_active=True,
        region_code__in=prefixes,
    )


def draw_required(application: Application, today: dt.date | None = None) -> bool:
    """Whether the case's confirming experts must be drawn: the city keeps an expert pool (an
    expert serves its region today). Without a pool the dispatched institution's experts
    confirm, as before the pool existed."""
    return _serving(application.region_code, today or clock.today()).exists()


def active_draw(assessment: Assessment | None) -> ExpertDraw | None:
    if assessment is None:
        return None
    return (
        ExpertDraw.objects.filter(assessment=assessment, active=True)
        .prefetch_related("picks__user", "picks__expert__institution")
        .first()
    )


def draws_of(*, fetched_by, application: Application) -> list[ExpertDraw]:
    """Every draw of the case the reader may see, newest first, with their picks."""
    qs = scope.scoped(ExpertDraw.objects.filter(application=application), fetched_by)
    return list(
        qs.select_related("drawn_by", "assessment")
        .prefetch_related("picks__user", "picks__expert__institution")
        .order_by("-number")
    )


def draw_get(*, fetched_by, draw_id: int) -> ExpertDraw:
    scope.require(fetched_by, Right.EXPERT_POOL_VIEW)
    return scope.get_scoped(
        ExpertDraw.objects.select_related("application", "drawn_by").prefetch_related(
            "picks__user", "picks__expert__institution"
        ),
        fetched_by,
        pk=draw_id,
    )


@dataclass
class ExpertOption:
    expert: PoolExpert
    load: int
    reasons: list[str] = field(default_factory=list)

    @property
    def excluded(self) -> bool:
        return bool(self.reasons)

    def snapshot(self) -> dict:
        """The expert as the draw record keeps them (the record outlives later changes)."""
        row = {
            "expert_id": self.expert.pk,
            "user_id": self.expert.user_id,
            "name": self.expert.user.display_name,
            "institution": self.expert.institution.name,
            "profession": self.expert.get_profession_display(),
            "load": self.load,
        }
        if self.reasons:
            row["reasons"] = list(self.reasons)
        return row


def _last_assessment(application: Application) -> Assessment | None:
    """The person's last assessment with a submitted result before the current one (an earlier
    case, or an earlier dispatch of this case set aside)."""
    return (
        Assessment.objects.filter(application__person_id=application.person_id)
        .exclude(pk=application.current_assessment_id)
        .filter(submitted_at__isnull=False)
        .select_related("application")
        .order_by("-submitted_at", "-pk")
        .first()
    )


def draw_options(
    application: Application,
    *,
    skip_user_ids: Iterable[int] = (),
    replaced_user_ids: Iterable[int] = (),
    today: dt.date | None = None,
) -> list[ExpertOption]:
    """The pool experts serving the case's region today, each with their workload this month
    and the reasons they must recuse themselves (in Chinese):

    - they work at the assessing institution, or at an institution caring for the person;
    - they declared a relationship to the person, or work at one of those institutions;
    - they took part in the person's last assessment (on site or confirming it), or in this
      case's on-site assessment;
    - a re-draw replaced them.

    ``skip_user_ids``: experts kept from the draw before (not drawn again).
    """
    today = today or clock.today()
    assessment = application.current_assessment
    skip, replaced = set(skip_user_ids), set(replaced_user_ids)
    entries = [
        e
        for e in _serving(application.region_code, today).select_related("user", "institution")
        if e.user_id not in skip
    ]
    caring = care_institutions_for(application.person_id)
    if assessment is not None:
        caring |= set(assessment.declared_care_institutions or [])
    assessing_id = assessment.institution_id if assessment is not None else None
    conflicts: dict[int, list[ExpertConflict]] = {}
    for c in ExpertConflict.objects.filter(
        expert__in=entries, withdrawn_at__isnull=True
    ).select_related("organization"):
        conflicts.setdefault(c.expert_id, []).append(c)
    on_site = set()
    if assessment is not None:
        on_site = set(
            assessment.assignments.filter(recused_at__isnull=True).values_list("user_id", flat=True)
        )
    last = _last_assessment(application)
    last_team, last_confirmers = set(), set()
    if last is not None:
        last_team = set(
            last.assignments.filter(recused_at__isnull=True).values_list("user_id", flat=True)
        )
        last_confirmers = set(last.confirmations.values_list("expert_id", flat=True))
    loads = expert_loads([e.pk for e in entries], workload_window_start(today))
    options = []
    for entry in sorted(entries, key=lambda e: e.pk):
        option = ExpertOption(expert=entry, load=loads.get(entry.pk, 0))
        reasons = option.reasons
        if entry.institution_id == assessing_id:
            reasons.append(f"与本案评估机构（{entry.institution.name}）为同一单位")
        if entry.institution_id in caring:
            reasons.append(f"所在单位（{entry.institution.name}）为被评估人提供护理服务")
        for c in conflicts.get(entry.pk, []):
            if c.kind == ExpertConflict.Kind.INSTITUTION:
                if c.organization_id == assessing_id:
                    reasons.append(f"申报在{c.organization.name}任职，该机构为本案评估机构")
                elif c.organization_id in caring:
                    reasons.append(f"申报在{c.organization.name}任职，该机构为被评估人提供护理服务")
            elif c.person_id == application.person_id:
                reasons.append(f"申报{c.get_kind_display()}" + (f"（{c.note}）" if c.note else ""))
        if entry.user_id in on_site:
            reasons.append("参加了本案现场评估")
        if entry.user_id in last_team:
            reasons.append(f"参加了被评估人上一次评估（{last.application.number}）的现场评估")
        elif entry.user_id in last_confirmers:
            reasons.append(f"确认了被评估人上一次评估（{last.application.number}）的结果")
        if entry.user_id in replaced:
            reasons.append("前次抽中，已因重新抽取被替换")
        options.append(option)
    return options


def draw_verified(draw: ExpertDraw) -> bool:
    """Whether the draw's experts are what its seed gives for its recorded eligible experts
    and workloads (the audit's check; kept experts were not drawn this time)."""
    from changhu.assessment import expert_draw

    candidates = [expert_draw.Candidate(e["expert_id"], e["load"]) for e in draw.eligible]
    again = expert_draw.draw(draw.seed, candidates, draw.wanted)
    drawn = [p.expert_id for p in draw.picks.all() if not p.kept]
    return again == drawn


def pool_candidates(*, fetched_by) -> list:
    """Expert logins of the reader's region not in the pool now, for the add form."""
    from changhu.orgs.models import User
    from changhu.orgs.roles import RIGHTS

    s = scope.scope_of(fetched_by)
    roles = [role for role, rights in RIGHTS.items() if Right.ASSESSMENT_CONFIRM in rights]
    in_pool = PoolExpert.objects.filter(active=True).values("user_id")
    return list(
        User.objects.filter(
            s.region_q("organization__region__code"), role__in=roles, is_active=True
        )
        .exclude(pk__in=in_pool)
        .select_related("organization")
        .order_by("organization__name", "real_name", "username")
    )
