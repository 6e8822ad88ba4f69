"""Pages of the city expert pool and of the draw of confirming experts (split from views)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from changhu.assessment import expert_selectors, forms, services
from changhu.assessment.views import case_step
from changhu.core.errors import DomainError
from changhu.core.scope import require, scope_of
from changhu.orgs import selectors as org_selectors
from changhu.orgs.roles import Right
from changhu.web import pickers
from changhu.web.pages import act, paginate
from changhu.web.shortcuts import staff_view

# --- the expert pool and the draw -------------------------------------------------------------


@staff_view
@require_POST
def draw(request, pk: int):
    """Draw (or re-draw, with a reason) the case's confirming experts."""
    return case_step(
        request,
        pk,
        lambda: services.expert_draw_make(
            actor=request.user, application_id=pk, reason=request.POST.get("reason", "")
        ),
        "已抽取确认专家",
        "draw",
    )


@staff_view
@require_GET
def draw_detail(request, pk: int):
    """One draw's whole record, for the audit: seed, eligible experts and their workload,
    excluded experts and why, drawn experts, and whether the seed gives them again."""
    record = expert_selectors.draw_get(fetched_by=request.user, draw_id=pk)
    return render(
        request,
        "assessment/draw_detail.html",
        {
            "draw": record,
            "case": record.application,
            "verified": expert_selectors.draw_verified(record),
        },
    )


def _institution_choices(user) -> list[tuple[int, str]]:
    return [
        (o.pk, o.name)
        for o in org_selectors.organization_list(fetched_by=user)
        if o.kind in ("assessment", "care")
    ]


def _expert_form(user, data=None):
    accounts = [
        (u.pk, f"{u.display_name}（{u.organization.name if u.organization_id else '无机构'}）")
        for u in expert_selectors.pool_candidates(fetched_by=user)
    ]
    return forms.ExpertForm(data, accounts=accounts, institutions=_institution_choices(user))


@staff_view
@require_GET
def expert_list(request):
    """专家库: the pool of the reader's region with filters and this month's draws; the
    managers add and deactivate experts here."""
    s = scope_of(request.user)
    if not (s.can(Right.EXPERT_POOL_VIEW) or s.can(Right.ASSESSMENT_CONFIRM)):
        require(request.user, Right.EXPERT_POOL_VIEW)
    form = forms.PoolFilterForm(request.GET, institutions=_institution_choices(request.user))
    form.is_valid()
    d = form.cleaned_data
    active = {"1": True, "0": False}.get(d.get("active") or "")
    filters = expert_selectors.PoolFilters(
        q=d.get("q", ""),
        institution_id=int(d["institution"]) if d.get("institution") else None,
        profession=d.get("profession", ""),
        active=active,
    )
    can_manage = s.can(Right.EXPERT_POOL_MANAGE)
    return render(
        request,
        "assessment/expert_list.html",
        {
            "form": form,
            "page": paginate(
                request, expert_selectors.pool_list(fetched_by=request.user, filters=filters)
            ),
            "can_manage": can_manage,
            "expert_form": _expert_form(request.user) if can_manage else None,
            "expert_add_url": reverse("assessment:expert_add"),
        },
    )


@staff_view
@require_POST
def expert_add(request):
    form = _expert_form(request.user, request.POST)
    if form.is_valid():
        try:
            expert = services.expert_add(actor=request.user, data=form.to_input())
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{expert.user.display_name}已加入专家库")
            return redirect("assessment:expert_detail", pk=expert.pk)
    else:
        messages.error(request, "请选择专家账号和专业")
    return redirect("assessment:expert_list")


def _conflict_form(user, data=None):
    organizations = [(o.pk, o.name) for o in org_selectors.organization_list(fetched_by=user)]
    return forms.ConflictForm(data, organizations=organizations)


@staff_view
@require_GET
def expert_detail(request, pk: int):
    expert = expert_selectors.pool_expert_get(fetched_by=request.user, expert_id=pk)
    s = scope_of(request.user)
    can_declare = s.can(Right.EXPERT_POOL_MANAGE) or expert.user_id == request.user.pk
    return render(
        request,
        "assessment/expert_detail.html",
        {
            "expert": expert,
            "conflicts": expert_selectors.conflicts_of(fetched_by=request.user, expert=expert),
            "can_manage": s.can(Right.EXPERT_POOL_MANAGE),
            "can_declare": can_declare,
            "conflict_form": _conflict_form(request.user) if can_declare else None,
            "may_pick_person": s.can(Right.INSURED_VIEW),
            "load": expert_selectors.expert_loads(
                [expert.pk], expert_selectors.workload_window_start()
            ).get(expert.pk, 0),
        },
    )


@staff_view
@require_POST
def expert_deactivate(request, pk: int):
    return act(
        request,
        lambda: services.expert_deactivate(
            actor=request.user, expert_id=pk, reason=request.POST.get("reason", "")
        ),
        "已停用该专家，此后的抽取不再抽到该专家",
        redirect("assessment:expert_detail", pk=pk),
    )


@staff_view
@require_POST
def conflict_declare(request, pk: int):
    expert = expert_selectors.pool_expert_get(fetched_by=request.user, expert_id=pk)
    form = _conflict_form(request.user, request.POST)
    form.is_valid()
    d = form.cleaned_data
    person = None
    if d.get("kind") and d.get("kind") != "institution":
        person = pickers.resolve_field(form, "person", request.user, required=False)
    organization = d.get("organization")
    return act(
        request,
        lambda: services.conflict_declare(
            actor=request.user,
            expert_id=expert.pk,
            kind=d.get("kind", ""),
            person_id=person.pk if person else None,
            organization_id=int(organization) if organization else None,
            note=d.get("note", ""),
        ),
        "已登记回避关系，此后的抽取据此回避",
        redirect("assessment:expert_detail", pk=expert.pk),
    )


@staff_view
@require_POST
def conflict_withdraw(request, pk: int):
    conflict = expert_selectors.conflict_get(fetched_by=request.user, conflict_id=pk)
    return act(
        request,
        lambda: services.conflict_withdraw(
            actor=request.user, conflict_id=pk, reason=request.POST.get("reason", "")
        ),
        "已撤销该回避关系",
        redirect("assessment:expert_detail", pk=conflict.expert_id),
    )
