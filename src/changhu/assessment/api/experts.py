"""The city expert pool over HTTP: experts, their declared relationships, and each case's draw
of confirming experts (with its record for the audit)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Query, Schema, Status
from pydantic import Field

from changhu.api.rights import needs
from changhu.api.schemas import Page, errors, list_page, write
from changhu.assessment import expert_selectors, selectors, services
from changhu.assessment.api._common import router
from changhu.core.errors import NotFound
from changhu.core.scope import scope_of
from changhu.orgs.roles import Right


class PoolQuery(Schema):
    q: str = Field("", max_length=40, description="专家姓名（前缀）或账号")
    institution_id: int | None = Field(None, description="工作单位")
    profession: str = Field("", description="physician/nurse/rehabilitation/social_worker/other")
    active: bool | None = Field(None, description="true 在库，false 已停用")
    page: int = 1
    page_size: int = 20


class ExpertIn(Schema):
    user_id: int = Field(..., description="专家的登录账号（须为评估专家）")
    institution_id: int | None = Field(None, description="工作单位，不填为账号所属机构")
    profession: Literal["physician", "nurse", "rehabilitation", "social_worker", "other"]
    speciality: str = Field("", max_length=100)
    active_from: dt.date | None = Field(None, description="入库日期，不填为今天")
    active_until: dt.date | None = None


class ReasonBody(Schema):
    reason: str = Field("", max_length=300)


class ConflictIn(Schema):
    kind: Literal["relative", "institution", "other"] = Field(
        ..., description="relative 与参保人有亲属关系，institution 在机构任职，other 其他利害关系"
    )
    person_id: int | None = Field(None, description="相关参保人（relative、other）")
    organization_id: int | None = Field(None, description="任职的机构（institution）")
    note: str = Field("", max_length=300)


class ConflictOut(Schema):
    id: int
    expert_id: int
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    person_name: str | None
    organization: str | None
    note: str
    declared_at: dt.datetime
    withdrawn_at: dt.datetime | None
    withdrawal_reason: str

    @staticmethod
    def resolve_person_name(c) -> str | None:
        return c.person.name if c.person_id else None

    @staticmethod
    def resolve_organization(c) -> str | None:
        return c.organization.name if c.organization_id else None


class PoolExpertOut(Schema):
    id: int
    user_id: int
    name: str = Field(alias="user.display_name")
    institution_id: int
    institution: str = Field(alias="institution.name")
    region_code: str
    profession: str
    profession_label: str = Field(alias="get_profession_display")
    speciality: str
    active_from: dt.date
    active_until: dt.date | None
    active: bool
    deactivation_reason: str
    load: int = Field(0, description="本月被抽中的案件数")


class PoolExpertDetailOut(PoolExpertOut):
    conflicts: list[ConflictOut]

    @staticmethod
    def resolve_conflicts(expert) -> list:
        return list(expert.conflicts.select_related("person", "organization"))


class DrawnOut(Schema):
    user_id: int
    name: str
    institution: str
    kept: bool = Field(description="重新抽取时保留的（已确认的）专家")


class DrawOut(Schema):
    id: int
    application_id: int
    number: int
    active: bool
    seed: str
    algorithm: str
    wanted: int = Field(description="本次抽取的人数（不含保留的专家）")
    window_start: dt.date = Field(description="工作量统计起始日")
    reason: str = Field(description="重新抽取的原因")
    drawn_at: dt.datetime
    drawn_by: str | None
    superseded_at: dt.datetime | None
    drawn: list[DrawnOut]
    eligible: list[dict] = Field(description="可抽专家及本月工作量（仅专家库查看权限可见）")
    excluded: list[dict] = Field(description="回避专家及原因（仅专家库查看权限可见）")
    verified: bool | None = Field(description="按记录的种子和名单复算，抽中的专家是否一致")


def draw_out(draw, user) -> dict:
    """A draw as the reader may see it: the drawn experts to anyone who sees the case; the
    eligible and excluded lists, and the check, to the pool's readers only."""
    full = scope_of(user).can(Right.EXPERT_POOL_VIEW)
    return {
        "id": draw.pk,
        "application_id": draw.application_id,
        "number": draw.number,
        "active": draw.active,
        "seed": draw.seed if full else "",
        "algorithm": draw.algorithm,
        "wanted": draw.wanted,
        "window_start": draw.window_start,
        "reason": draw.reason,
        "drawn_at": draw.drawn_at,
        "drawn_by": draw.drawn_by.display_name if draw.drawn_by_id else None,
        "superseded_at": draw.superseded_at,
        "drawn": [
            {
                "user_id": p.user_id,
                "name": p.user.display_name,
                "institution": p.expert.institution.name,
                "kept": p.kept,
            }
            for p in draw.picks.all()
        ],
        "eligible": draw.eligible if full else [],
        "excluded": draw.excluded if full else [],
        "verified": expert_selectors.draw_verified(draw) if full else None,
    }


def _expert_detail(request, expert_id: int):
    """The expert with this month's load; the schema reads their relationships."""
    expert = expert_selectors.pool_list(fetched_by=request.auth).filter(pk=expert_id).first()
    if expert is None:
        raise NotFound()
    return expert


@router.get("/experts", response={200: Page[PoolExpertOut], **errors(422)})
def expert_list(request, query: Query[PoolQuery]):
    """评估专家库：本统筹地区的专家（工作单位、专业、有效期、本月抽中次数）；专家本人只看到
    自己的记录，其他角色为空。"""
    return list_page(request, query, expert_selectors.pool_list, expert_selectors.PoolFilters)


@write(router, "/experts", PoolExpertDetailOut, status=201)
@needs(Right.EXPERT_POOL_MANAGE)
def expert_add(request, payload: ExpertIn):
    """专家入库：须为评估专家账号，工作单位可以是任一机构；同一专家只能有一条在库记录。"""
    expert = services.expert_add(actor=request.auth, data=services.ExpertInput(**payload.dict()))
    return Status(201, _expert_detail(request, expert.pk))


@router.get("/experts/{expert_id}", response={200: PoolExpertDetailOut, **errors(404)})
def expert_detail(request, expert_id: int):
    """一名专家及其申报的回避关系。"""
    expert_selectors.pool_expert_get(fetched_by=request.auth, expert_id=expert_id)
    return _expert_detail(request, expert_id)


@write(router, "/experts/{expert_id}/deactivate", PoolExpertDetailOut)
@needs(Right.EXPERT_POOL_MANAGE)
def expert_deactivate(request, expert_id: int, payload: ReasonBody):
    """停用专家（须写明原因）：此后的抽取不再抽到该专家，已抽中的案件不受影响。"""
    services.expert_deactivate(actor=request.auth, expert_id=expert_id, reason=payload.reason)
    return _expert_detail(request, expert_id)


@write(router, "/experts/{expert_id}/conflicts", ConflictOut, status=201)
@needs(Right.EXPERT_POOL_MANAGE, Right.ASSESSMENT_CONFIRM)
def conflict_declare(request, expert_id: int, payload: ConflictIn):
    """申报回避关系（专家本人或专家库管理人员）：与参保人有亲属或其他利害关系，或在某机构
    任职；此后的抽取据此回避。"""
    conflict = services.conflict_declare(actor=request.auth, expert_id=expert_id, **payload.dict())
    return Status(201, conflict)


@write(router, "/conflicts/{conflict_id}/withdraw", ConflictOut)
@needs(Right.EXPERT_POOL_MANAGE, Right.ASSESSMENT_CONFIRM)
def conflict_withdraw(request, conflict_id: int, payload: ReasonBody):
    """撤销已申报的回避关系（须写明原因，记录保留）。"""
    return services.conflict_withdraw(
        actor=request.auth, conflict_id=conflict_id, reason=payload.reason
    )


@router.get("/applications/{application_id}/draws", response={200: list[DrawOut], **errors(404)})
def draw_list(request, application_id: int):
    """本案的专家抽取记录（最新在前）：抽中的专家；专家库查看权限另可见种子、可抽和回避名单。"""
    application = selectors.application_get(fetched_by=request.auth, application_id=application_id)
    draws = expert_selectors.draws_of(fetched_by=request.auth, application=application)
    return [draw_out(d, request.auth) for d in draws]


@write(router, "/applications/{application_id}/draws", DrawOut, status=201)
@needs(Right.EXPERT_DRAW)
def draw_make(request, application_id: int, payload: ReasonBody):
    """从专家库随机抽取确认专家（现场评估提交后）：回避评估机构和护理机构的同单位专家、申报了
    关系的专家、参加过被评估人上一次评估的专家；本月抽中次数少的优先，同等条件下按随机种子。
    已有抽取时为重新抽取，须写明原因，已确认的专家保留。"""
    draw = services.expert_draw_make(
        actor=request.auth, application_id=application_id, reason=payload.reason
    )
    return Status(
        201,
        draw_out(expert_selectors.draw_get(fetched_by=request.auth, draw_id=draw.pk), request.auth),
    )


@router.get("/draws/{draw_id}", response={200: DrawOut, **errors(403, 404)})
def draw_detail(request, draw_id: int):
    """一次专家抽取的完整记录（种子、可抽专家及工作量、回避专家及原因、抽中专家）及复算结果。"""
    return draw_out(
        expert_selectors.draw_get(fetched_by=request.auth, draw_id=draw_id), request.auth
    )
