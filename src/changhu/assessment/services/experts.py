"""The city expert pool (专家库), the experts' declared relationships, and the random draw of
each case's confirming experts with recusal."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max

from changhu.assessment import expert_draw, expert_selectors
from changhu.assessment.models import (
    Confirmation,
    DrawnExpert,
    ExpertConflict,
    ExpertDraw,
    PoolExpert,
    Profession,
    Status,
)
from changhu.assessment.services._common import _event, _lock, _problems, _today
from changhu.core import audit, clock
from changhu.core.errors import Conflict, NotFound, PermissionDenied, field_error
from changhu.core.scope import get_scoped, require, scope_of
from changhu.orgs.models import Organization
from changhu.orgs.roles import RIGHTS, Right

CITY_PREFIX = 4  # digits of a division code that name the city (the pool's region)


def get_scoped_or_none(queryset, actor, **lookup):
    try:
        return get_scoped(queryset, actor, **lookup)
    except NotFound:
        return None


@dataclass
class ExpertInput:
    user_id: int | None = None
    institution_id: int | None = None
    profession: str = ""
    speciality: str = ""
    active_from: dt.date | None = None
    active_until: dt.date | None = None


def expert_add(*, actor, data: ExpertInput) -> PoolExpert:
    """Put an expert in the pool of the city of their institution: a login holding the
    confirmation right, their institution (by default their login's), profession and dates."""
    s = require(actor, Right.EXPERT_POOL_MANAGE)
    from changhu.orgs.models import User

    problems = {}
    # People and institutions outside the manager's regions are as unknown as missing ones.
    user = (
        User.objects.select_related("organization")
        .filter(s.region_q("organization__region__code"), pk=data.user_id or 0)
        .first()
    )
    if user is None:
        problems["user_id"] = ("expert_user_invalid", "请选择专家的登录账号")
    elif not user.is_active or Right.ASSESSMENT_CONFIRM not in RIGHTS.get(user.role, ()):
        problems["user_id"] = ("expert_role_required", "该账号不是可确认评估结果的评估专家账号")
    if data.profession not in Profession.values:
        problems["profession"] = ("profession_invalid", "请选择专家的专业")
    first = data.active_from or _today()
    if data.active_until is not None and data.active_until < first:
        problems["active_until"] = ("date_order", "有效期至不能早于入库日期")
    institution_id = data.institution_id or (user.organization_id if user else None)
    institution = (
        Organization.objects.select_related("region")
        .filter(s.region_q("region__code"), pk=institution_id or 0)
        .first()
    )
    if institution is None and "user_id" not in problems:
        problems["institution_id"] = ("institution_invalid", "请选择专家的工作单位")
    _problems(problems)
    region_code = institution.region.code[:CITY_PREFIX]
    try:
        with transaction.atomic():
            expert = PoolExpert.objects.create(
                user=user,
                institution=institution,
                region_code=region_code,
                profession=data.profession,
                speciality=(data.speciality or "").strip()[:100],
                active_from=first,
                active_until=data.active_until,
                added_by=actor,
            )
            audit.record(
                action="create",
                obj=expert,
                user=actor,
                note=f"{user.display_name}（{institution.name}，{expert.get_profession_display()}）"
                "入专家库",
            )
    except IntegrityError:
        raise Conflict("该专家已在专家库中", code="expert_in_pool") from None
    return expert


def expert_deactivate(*, actor, expert_id: int, reason: str) -> PoolExpert:
    """Take an expert out of the pool (no later draw names them); standing draws keep them."""
    require(actor, Right.EXPERT_POOL_MANAGE)
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", "reason_required", "请填写停用原因")
    with transaction.atomic():
        found = expert_selectors.pool_expert_get(fetched_by=actor, expert_id=expert_id)
        expert = PoolExpert.objects.select_for_update().get(pk=found.pk)
        if not expert.active:
            raise Conflict("该专家已停用", code="expert_inactive")
        expert.active = False
        expert.deactivated_by, expert.deactivated_at = actor, clock.now()
        expert.deactivation_reason = reason[:300]
        expert.save(
            update_fields=["active", "deactivated_by", "deactivated_at", "deactivation_reason"]
        )
        audit.record(
            action="update",
            obj=expert,
            user=actor,
            changes={"active": {"label": "在库", "old": True, "new": False}},
            note=reason[:300],
        )
    return expert


def _own_or_managed(actor, expert_id: int) -> PoolExpert:
    """An expert declares their own relationships; the pool's managers anyone's."""
    s = scope_of(actor)
    expert = expert_selectors.pool_expert_get(fetched_by=actor, expert_id=expert_id)
    if not s.can(Right.EXPERT_POOL_MANAGE) and expert.user_id != actor.pk:
        raise PermissionDenied("只能申报本人的回避关系", code="not_your_entry")
    return expert


def conflict_declare(
    *,
    actor,
    expert_id: int,
    kind: str,
    person_id: int | None = None,
    organization_id: int | None = None,
    note: str = "",
) -> ExpertConflict:
    """Record a relationship that makes an expert recuse themselves: a relative of (or other
    interest in) a person, or work at an institution. Later draws apply it."""
    if not scope_of(actor).can(Right.EXPERT_POOL_MANAGE):
        require(actor, Right.ASSESSMENT_CONFIRM)
    expert = _own_or_managed(actor, expert_id)
    note = (note or "").strip()
    person = organization = None
    if kind not in ExpertConflict.Kind.values:
        raise field_error("kind", "conflict_kind_invalid", "请选择关系类型")
    if kind == ExpertConflict.Kind.INSTITUTION:
        organization = Organization.objects.filter(pk=organization_id or 0).first()
        if organization is None:
            raise field_error("organization_id", "organization_required", "请选择任职的机构")
    else:
        from changhu.insured.models import Person

        # The person as the declarer may see them: the bureau records relatives; an expert
        # (who sees no register) declares work at an institution, and tells the bureau the rest.
        person = get_scoped_or_none(Person.objects.all(), actor, pk=person_id or 0)
        if person is None:
            raise field_error("person_id", "conflict_person_required", "请选择相关的参保人")
    with transaction.atomic():
        conflict = ExpertConflict.objects.create(
            expert=expert,
            kind=kind,
            person=person,
            organization=organization,
            note=note[:300],
            declared_by=actor,
        )
        party = organization.name if organization else person.name
        audit.record(
            action="create",
            obj=conflict,
            user=actor,
            note=f"{expert.user.display_name}申报回避关系：{conflict.get_kind_display()}（{party}）",
        )
    return conflict


def conflict_withdraw(*, actor, conflict_id: int, reason: str) -> ExpertConflict:
    """End a declared relationship (it was wrong, or has ended); it stays on record."""
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", "reason_required", "请填写撤销原因")
    found = expert_selectors.conflict_get(fetched_by=actor, conflict_id=conflict_id)
    _own_or_managed(actor, found.expert_id)
    with transaction.atomic():
        conflict = ExpertConflict.objects.select_for_update().get(pk=found.pk)
        if conflict.withdrawn_at is not None:
            raise Conflict("该回避关系已撤销", code="conflict_withdrawn")
        conflict.withdrawn_by, conflict.withdrawn_at = actor, clock.now()
        conflict.withdrawal_reason = reason[:300]
        conflict.save(update_fields=["withdrawn_by", "withdrawn_at", "withdrawal_reason"])
        audit.record(action="update", obj=conflict, user=actor, note=f"撤销回避关系：{reason}")
    return conflict


# --- the draw ----------------------------------------------------------------------------------


def expert_draw_make(
    *, actor, application_id: int, reason: str = "", seed: str | None = None
) -> ExpertDraw:
    """Draw the case's confirming experts from the pool at random, with recusal (see
    ``expert_selectors.draw_options``) and the least loaded first. A re-draw needs a reason: the
    experts who have already confirmed the result are kept, the others are replaced by new
    ones (and not drawn again). ``seed`` is for tests and the demo; a draw from a person gets
    a fresh random one. Everything is recorded for the audit."""
    require(actor, Right.EXPERT_DRAW)
    reason = (reason or "").strip()
    with transaction.atomic():
        application = _lock(actor, application_id)
        assessment = application.current_assessment
        if application.status != Status.ASSESSED or assessment is None:
            raise Conflict("现场评估结果提交后、专家确认前才能抽取确认专家", code="draw_not_open")
        previous = (
            ExpertDraw.objects.select_for_update()
            .filter(assessment=assessment, active=True)
            .first()
        )
        if previous is not None and not reason:
            raise field_error("reason", "reason_required", "重新抽取须写明原因")
        kept: list[DrawnExpert] = []
        replaced: set[int] = set()
        if previous is not None:
            answered = set(
                Confirmation.objects.filter(
                    assessment=assessment, submission=assessment.submission
                ).values_list("expert_id", flat=True)
            )
            for pick in previous.picks.select_related("user", "expert"):
                (kept.append(pick) if pick.user_id in answered else replaced.add(pick.user_id))
        options = expert_selectors.draw_options(
            application, skip_user_ids=[p.user_id for p in kept], replaced_user_ids=replaced
        )
        wanted = max(application.rules.rules.confirming_experts - len(kept), 0)
        eligible = [o for o in options if not o.excluded]
        if len(eligible) < wanted:
            raise Conflict(
                f"专家库中符合回避规则的专家不足：需要{wanted}名，可抽取的只有{len(eligible)}名",
                code="not_enough_experts",
                fields={"eligible": str(len(eligible)), "wanted": str(wanted)},
            )
        seed = seed or secrets.token_hex(16)
        candidates = [expert_draw.Candidate(o.expert.pk, o.load) for o in eligible]
        chosen_ids = expert_draw.draw(seed, candidates, wanted)
        by_id = {o.expert.pk: o for o in eligible}
        now = clock.now()
        if previous is not None:
            previous.active = False
            previous.superseded_at = now
            previous.save(update_fields=["active", "superseded_at"])
        number = (application.draws.aggregate(n=Max("number"))["n"] or 0) + 1
        draw = ExpertDraw.objects.create(
            application=application,
            assessment=assessment,
            number=number,
            seed=seed,
            algorithm=expert_draw.ALGORITHM,
            wanted=wanted,
            window_start=expert_selectors.workload_window_start(),
            eligible=[o.snapshot() for o in eligible],
            excluded=[o.snapshot() for o in options if o.excluded],
            kept=[
                {"expert_id": p.expert_id, "user_id": p.user_id, "name": p.user.display_name}
                for p in kept
            ],
            reason=reason[:300],
            drawn_by=actor,
        )
        position = 0
        for pick in kept:
            position += 1
            DrawnExpert.objects.create(
                draw=draw, expert=pick.expert, user=pick.user, kept=True, position=position
            )
        for expert_id in chosen_ids:
            position += 1
            chosen = by_id[expert_id].expert
            DrawnExpert.objects.create(
                draw=draw, expert=chosen, user=chosen.user, position=position
            )
        names = "、".join(by_id[i].expert.user.display_name for i in chosen_ids)
        excluded = sum(1 for o in options if o.excluded)
        text = (
            (f"重新抽取确认专家（{reason}）：" if previous else "抽取确认专家：")
            + f"{names}；可抽取{len(eligible)}名，回避{excluded}名"
            + (f"；保留已确认的{'、'.join(p.user.display_name for p in kept)}" if kept else "")
        )
        _event(application, actor, "expert_draw", text)
        audit.record(action="create", obj=draw, user=actor, note=f"{text}；随机种子{seed}")
    return draw


def may_confirm(actor, application) -> str:
    """Who confirms this case: ``"drawn"`` the experts of the standing draw, ``"draw_first"``
    nobody until the draw is made, ``"institution"`` (no pool in the city) the dispatched
    institution's experts."""
    draw = expert_selectors.active_draw(application.current_assessment)
    if draw is not None:
        return "drawn"
    if expert_selectors.draw_required(application):
        return "draw_first"
    return "institution"


def require_drawn(actor, application) -> bool:
    """Refuse a confirmation by anyone the case's draw did not name (403), or before the draw
    when the city has a pool (409). True: a draw governs; False: the institution's experts
    confirm (no pool)."""
    way = may_confirm(actor, application)
    if way == "institution":
        return False
    if way == "draw_first":
        raise Conflict("本案须先从专家库抽取确认专家，抽取后由抽中的专家确认", code="draw_required")
    drawn = DrawnExpert.objects.filter(
        draw__assessment_id=application.current_assessment_id, draw__active=True, user=actor
    )
    if not drawn.exists():
        raise PermissionDenied(
            "您不是本案抽取的确认专家，不能确认本案评估结果", code="not_drawn_expert"
        )
    return True
