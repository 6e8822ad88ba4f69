"""Patrol visits (巡护) and their follow-ups: the patroller's phone pages under ``/pwa/patrols/``
(record a patrol with its checklist, photos, position and a follow-up; close follow-ups) and the
back office's follow-up queue and forms under ``/visits/patrols/``."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changhu.core import clock, excel
from changhu.core.downloads import XLSX, file_response
from changhu.core.errors import DomainError
from changhu.core.scope import require, scope_of
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.visits import forms, rulesets, selectors, services
from changhu.visits.models import FollowUpStatus
from changhu.web.pages import paginate, posted, submit
from changhu.web.shortcuts import staff_view

PAGE_SIZE = 30
STATUS_TABS = [
    ("open", "待完成"),
    ("overdue", "已逾期"),
    ("done", "已完成"),
    ("", "全部"),
]


def _can_work(user) -> bool:
    """Whether the user works follow-ups (an institution that patrols), not only reads them."""
    s = scope_of(user)
    works = s.can(Right.VISITS_PATROL) or s.can(Right.VISITS_FOLLOW_UP)
    return works and s.organization_kind == OrgKind.CARE


def _back(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# --- the phone pages ------------------------------------------------------------------------


@staff_view
@require_GET
def phone_patrols(request):
    """巡护 on the phone: open follow-ups (the most urgent first) and the latest patrols."""
    require(request.user, Right.VISITS_PATROL)
    today = clock.today()
    open_rows = list(
        selectors.follow_up_list(
            fetched_by=request.user, filters=selectors.FollowUpFilters(status="open")
        )[:50]
    )
    for row in open_rows:
        row.overdue = row.overdue_on(today)
    recent = selectors.patrol_list(fetched_by=request.user)[:10]
    return render(
        request,
        "visits/pwa/patrols.html",
        {
            "follow_ups": open_rows,
            "overdue": sum(r.overdue for r in open_rows),
            "recent": recent,
            "done_form": forms.FollowUpDoneForm(),
            "today": today,
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def phone_patrol_new(request):
    """登记巡护 on the phone."""
    require(request.user, Right.VISITS_PATROL)
    rules = rulesets.rules_on(clock.today())
    candidates = selectors.patrol_candidates(fetched_by=request.user)
    persons = [(str(a.person_id), a.person.name) for a in candidates]
    form = forms.PatrolForm(
        posted(request),
        request.FILES or None,
        checklist=rules.checklist,
        persons=persons,
        initial={
            "client_uuid": uuid.uuid4(),
            "person": request.GET.get("person", ""),
            "fu_due_on": clock.today(),
        },
    )
    status = 200
    if form.is_bound:

        def save(form):
            data = form.cleaned_data
            shas = [
                services.photo_upload(actor=request.user, upload=f)[0].sha256
                for f in data["photos"]
            ]
            follow_ups = []
            if data["fu_action"].strip():
                follow_ups.append(
                    services.FollowUpInput(
                        action=data["fu_action"], due_on=data["fu_due_on"], party=data["fu_party"]
                    )
                )
            codes = [entry["code"] for entry in form.checklist]
            patrol, _ = services.patrol_record(
                actor=request.user,
                data=services.PatrolInput(
                    client_uuid=data["client_uuid"],
                    person_id=int(data["person"]),
                    device_time=clock.now(),
                    results={c: data[f"r_{c}"] == "1" for c in codes},
                    notes={c: data[f"n_{c}"] for c in codes if data[f"n_{c}"]},
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    accuracy_m=data["accuracy_m"],
                    condition_note=data["condition_note"],
                    findings=data["findings"],
                    photo_sha256s=shas,
                    follow_ups=follow_ups,
                ),
            )
            note = f"，设定跟进事项{len(follow_ups)}项" if follow_ups else ""
            messages.success(request, f"已登记对{patrol.person.name}的巡护{note}")
            return redirect("pwa:patrols")

        response, status = submit(form, save, field_map=form.field_map(), errors=(DomainError,))
        if response is not None:
            return response
    return render(
        request,
        "visits/pwa/patrol_new.html",
        {"form": form, "version": rules.version, "candidates": candidates},
        status=status,
    )


# --- the back office ------------------------------------------------------------------------


@staff_view
@require_GET
def follow_up_list(request):
    """巡护跟进事项: a queue by deadline, with tabs for open, overdue, done and all."""
    s = scope_of(request.user)
    if not (s.can(Right.VISITS_VIEW) or s.can(Right.VISITS_PATROL)):
        require(request.user, Right.VISITS_VIEW)
    status = request.GET.get("status", "open")
    if status not in {key for key, _ in STATUS_TABS}:
        status = "open"
    rows = selectors.follow_up_list(
        fetched_by=request.user, filters=selectors.FollowUpFilters(status=status)
    )
    if status in ("", FollowUpStatus.DONE):
        rows = rows.reverse()  # done and all: the latest deadline first
    today = clock.today()
    if request.GET.get("export") == "xlsx":
        return _follow_ups_xlsx(request.user, rows, today, dict(STATUS_TABS)[status])
    page = paginate(request, rows, PAGE_SIZE)
    for row in page:
        row.overdue = row.overdue_on(today)
    return render(
        request,
        "visits/follow_up_list.html",
        {
            "page": page,
            "status": status,
            "tabs": STATUS_TABS,
            "can_work": _can_work(request.user),
            "done_form": forms.FollowUpDoneForm(),
            "here": request.get_full_path(),
        },
    )


FOLLOW_UP_HEADERS = [
    "完成期限",
    "参保人",
    "跟进事项",
    "由谁跟进",
    "状态",
    "设定人",
    "设定时间",
    "完成情况",
    "完成时间",
]


def _follow_ups_xlsx(user, rows, today, tab: str):
    """The follow-ups of the tab shown (all of them, not one page) as an audited workbook."""

    def state(f) -> str:
        if f.status == FollowUpStatus.DONE:
            return "已完成"
        return "已逾期" if f.overdue_on(today) else "待完成"

    def party(f) -> str:
        caregiver = f.patrol.family_caregiver
        named = f.party == "family_caregiver" and caregiver is not None
        return f"{f.get_party_display()}（{caregiver.name}）" if named else f.get_party_display()

    def who(user_row) -> str:
        return (user_row.real_name or user_row.get_username()) if user_row else ""

    content = excel.audited_workbook(
        actor=user,
        what="巡护跟进事项",
        object_type="visits.patrolfollowup",
        headers=FOLLOW_UP_HEADERS,
        rows=(
            [
                f.due_on,
                f.person.name,
                f.action,
                party(f),
                state(f),
                who(f.created_by),
                f.created_at,
                f.done_note,
                f.done_at,
            ]
            for f in rows
        ),
        note=f"导出巡护跟进事项（{tab}）",
    )
    return file_response(content, f"巡护跟进事项_{today:%Y%m%d}.xlsx", XLSX)


@staff_view
@require_POST
def follow_up_add(request, pk: int):
    """Set a follow-up on a patrol visit from its page."""
    patrol = selectors.patrol_get(fetched_by=request.user, patrol_id=pk)
    form = forms.FollowUpForm(request.POST)

    def save(form):
        data = form.cleaned_data
        services.patrol_follow_up_add(
            actor=request.user,
            patrol_id=patrol.pk,
            data=services.FollowUpInput(
                action=data["action"], due_on=data["due_on"], party=data["party"]
            ),
        )
        messages.success(request, "已设定跟进事项")
        return redirect("visits:patrol_detail", patrol.pk)

    response, status = submit(form, save, errors=(DomainError,))
    if response is not None:
        return response
    return _patrol_page(request, patrol, follow_up_form=form, status=status)


@staff_view
@require_POST
def follow_up_done(request, pk: int):
    """Mark a follow-up done with a note; back to the page it was closed from."""
    follow_up = selectors.follow_up_get(fetched_by=request.user, follow_up_id=pk)
    fallback = reverse("visits:patrol_detail", args=[follow_up.patrol_id])
    form = forms.FollowUpDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写完成情况")
        return redirect(_back(request, fallback))
    try:
        services.patrol_follow_up_done(
            actor=request.user, follow_up_id=follow_up.pk, note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"跟进事项“{follow_up.action[:30]}”已完成")
    return redirect(_back(request, fallback))


def _patrol_page(request, patrol, *, follow_up_form=None, status: int = 200):
    today = clock.today()
    follow_ups = selectors.follow_ups_of(patrol)
    for row in follow_ups:
        row.overdue = row.overdue_on(today)
    can_work = _can_work(request.user)
    return render(
        request,
        "visits/patrol_detail.html",
        {
            "patrol": patrol,
            "follow_ups": follow_ups,
            "can_work": can_work,
            "follow_up_form": follow_up_form
            or forms.FollowUpForm(initial={"due_on": today, "party": "family_caregiver"}),
            "done_form": forms.FollowUpDoneForm(),
        },
        status=status,
    )


@staff_view
@require_GET
def patrol_detail(request, pk: int):
    """A patrol visit: checklist, condition, findings, photos and its follow-ups."""
    patrol = selectors.patrol_get(fetched_by=request.user, patrol_id=pk)
    return _patrol_page(request, patrol)
