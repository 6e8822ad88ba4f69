"""Staff pages for the catalogue, entitlements, care plans and the person's file."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changhu.assessment import selectors as assessment_selectors
from changhu.care import catalogue as catalogues
from changhu.care import conf, forms, plans, selectors, services
from changhu.care.models import CarePlanStatus, Period
from changhu.core import clock
from changhu.core.scope import require, scope_of
from changhu.core.transitions import labelled_timeline
from changhu.orgs.roles import Right
from changhu.providers.rules import MODE_LABELS
from changhu.web.pages import FORM_ERRORS, form_page, paginate, posted, submit
from changhu.web.shortcuts import staff_view

# --- catalogue ------------------------------------------------------------------------------


@staff_view
@require_GET
def catalogue_list(request):
    require(request.user, Right.CARE_CATALOGUE)
    today = clock.today()
    current = selectors.catalogue_current(fetched_by=request.user, day=today)
    return render(
        request,
        "care/catalogue_list.html",
        {
            "catalogues": selectors.catalogue_list(fetched_by=request.user),
            "current_id": current.pk if current else None,
        },
    )


@staff_view
@require_GET
def catalogue_detail(request, pk: int):
    require(request.user, Right.CARE_CATALOGUE)
    catalogue = selectors.catalogue_get(fetched_by=request.user, catalogue_id=pk)
    return render(request, "care/catalogue_detail.html", {"catalogue": catalogue})


@staff_view
@require_GET
def package_detail(request, pk: int):
    require(request.user, Right.CARE_CATALOGUE)
    package = selectors.package_get(fetched_by=request.user, package_id=pk)
    return render(request, "care/package_detail.html", {"package": package})


# --- entitlements ---------------------------------------------------------------------------


@staff_view
@require_GET
def entitlement_list(request):
    require(request.user, Right.CARE_VIEW)
    form = forms.EntitlementFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    entitlements = selectors.entitlement_list(
        fetched_by=request.user,
        filters=selectors.EntitlementFilters(
            q=data.get("q", ""), status=data.get("status", ""), care_mode=data.get("care_mode", "")
        ),
    )
    page = paginate(request, entitlements)
    today = clock.today()
    for entitlement in page:
        entitlement.current = selectors.arrangement_on(entitlement, today)
        entitlement.grade_label = conf.grade_label(entitlement.grade)
    return render(
        request,
        "care/entitlement_list.html",
        {
            "form": form,
            "page": page,
            "can_open": scope_of(request.user).can(Right.CARE_ENTITLEMENT),
        },
    )


@staff_view
@require_GET
def entitlement_new(request):
    """办理待遇 to do: qualifying conclusions in scope that opened no entitlement yet."""
    require(request.user, Right.CARE_ENTITLEMENT)
    form = forms.AwaitingFilterForm(request.GET)
    q = form.cleaned_data.get("q", "") if form.is_valid() else ""
    page = paginate(
        request, selectors.conclusions_awaiting_entitlement(fetched_by=request.user, q=q)
    )
    return render(request, "care/entitlement_awaiting.html", {"form": form, "page": page})


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


@staff_view
@require_http_methods(["GET", "POST"])
def conclusion_entitlement(request, pk: int):
    """办理待遇 for one conclusion: the guardian's choices only (mode, institution, add-on, first
    day); grade and validity are the conclusion's."""
    require(request.user, Right.CARE_ENTITLEMENT)
    conclusion = assessment_selectors.conclusion_get(fetched_by=request.user, conclusion_id=pk)
    opened = selectors.entitlement_of_conclusion(conclusion.pk)
    if opened is not None:
        messages.info(request, "该评估结论已办理过待遇")
        return redirect("care:entitlement_detail", pk=opened.pk)
    form = forms.EntitlementOpenForm(posted(request), user=request.user, conclusion=conclusion)

    def save(form):
        d = form.cleaned_data
        entitlement = services.entitlement_open_from_conclusion(
            actor=request.user,
            conclusion_id=conclusion.pk,
            care_mode=d["care_mode"],
            institution_id=d["institution"].pk,
            social_support=d["social_support"],
            start_date=d["start_date"],
        )
        messages.success(request, f"已为{conclusion.person.name}办理待遇")
        detail = reverse("care:entitlement_detail", kwargs={"pk": entitlement.pk})
        return redirect(_next_url(request) or detail)

    return form_page(
        request,
        "care/entitlement_form.html",
        form,
        save,
        context={"conclusion": conclusion, "next": _next_url(request)},
        field_map={"institution_id": "institution"},
    )


def _render_entitlement(request, entitlement, *, bound=None, status=200):
    bound = bound or {}
    return render(
        request,
        "care/entitlement_detail.html",
        {
            "entitlement": entitlement,
            "grade_label": conf.grade_label(entitlement.grade),
            "today": selectors.eligibility_on(entitlement.person_id, clock.today()),
            "mode_labels": MODE_LABELS,
            "can_manage": scope_of(request.user).can(Right.CARE_ENTITLEMENT),
            "arrangement_form": bound.get("arrangement")
            or forms.ArrangementForm(user=request.user),
            "pause_form": bound.get("pause") or forms.PauseForm(),
            "terminate_form": bound.get("terminate") or forms.TerminateForm(),
            "timeline": labelled_timeline(entitlement, services.ENTITLEMENT_FLOW),
        },
        status=status,
    )


@staff_view
@require_GET
def entitlement_detail(request, pk: int):
    entitlement = selectors.entitlement_get(fetched_by=request.user, entitlement_id=pk)
    return _render_entitlement(request, entitlement)


@staff_view
@require_POST
def entitlement_action(request, pk: int, action: str):
    entitlement = selectors.entitlement_get(fetched_by=request.user, entitlement_id=pk)
    builders = {
        "arrangement": lambda data: forms.ArrangementForm(data, user=request.user),
        "pause": forms.PauseForm,
        "terminate": forms.TerminateForm,
    }
    if action not in builders:
        return redirect("care:entitlement_detail", pk=pk)

    def save(form):
        d = form.cleaned_data
        if action == "arrangement":
            services.entitlement_change_arrangement(
                actor=request.user,
                entitlement_id=pk,
                effective_date=d.get("effective_date"),
                care_mode=d.get("care_mode") or None,
                institution_id=d["institution"].pk if d.get("institution") else None,
                social_support=d.get("social_support"),
                reason=d.get("reason", ""),
            )
        elif action == "pause":
            services.entitlement_pause(actor=request.user, entitlement_id=pk, **d)
        else:
            services.entitlement_terminate(actor=request.user, entitlement_id=pk, **d)
        messages.success(request, "已保存")
        return redirect("care:entitlement_detail", pk=pk)

    form = builders[action](request.POST)
    response, status = submit(form, save, field_map={"institution_id": "institution"})
    return response or _render_entitlement(
        request, entitlement, bound={action: form}, status=status
    )


# --- care plans -----------------------------------------------------------------------------


@staff_view
@require_GET
def plan_list(request):
    require(request.user, Right.CARE_VIEW)
    form = forms.PlanFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    care_plans = selectors.care_plan_list(
        fetched_by=request.user,
        filters=selectors.PlanFilters(
            q=data.get("q", ""),
            status=data.get("status", ""),
            revision=bool(data.get("revision")),
        ),
    )
    s = scope_of(request.user)
    beneficiaries = []
    if s.can(Right.CARE_PLAN):
        planned = selectors.planned_person_ids(fetched_by=request.user)
        beneficiaries = [
            a
            for a in selectors.beneficiaries_of(fetched_by=request.user)[:200]
            if a.person_id not in planned
        ]
    return render(
        request,
        "care/plan_list.html",
        {"form": form, "page": paginate(request, care_plans), "without_plan": beneficiaries},
    )


def _plan_rows(package, posted=None, previous=None):
    """One row per package item; values from the posted form, else from the plan in force
    (a new version after a change of grade starts from what still fits)."""
    kept = {}
    if posted is None and previous is not None:
        kept = {i.item.code: i for i in previous.items.select_related("item")}
        posted = {}
        for code, line in kept.items():
            posted.update(
                {
                    f"times_{code}": line.times,
                    f"period_{code}": line.period,
                    f"minutes_{code}": line.minutes,
                }
            )
    posted = posted or {}
    rows = []
    for package_item in package.package_items.select_related("item__category").order_by(
        "item__position"
    ):
        item = package_item.item
        rows.append(
            {
                "item": item,
                "cap": package_item.max_per_month,
                "times": posted.get(f"times_{item.code}", ""),
                "period": posted.get(f"period_{item.code}", Period.WEEK),
                "minutes": posted.get(f"minutes_{item.code}", ""),
            }
        )
    return rows


@staff_view
@require_http_methods(["GET", "POST"])
def plan_new(request):
    require(request.user, Right.CARE_PLAN)
    person_id = request.GET.get("person") or request.POST.get("person")
    arrangement = (
        selectors.beneficiary_arrangement(fetched_by=request.user, person_id=int(person_id))
        if person_id and str(person_id).isdigit()
        else None
    )
    if arrangement is None:
        messages.error(request, "请从本机构的服务对象中选择参保人")
        return redirect("care:plan_list")
    catalogue = catalogues.catalogue_in_force(clock.today())
    package = catalogue and catalogues.package_for(
        catalogue, grade=arrangement.entitlement.grade, care_mode=arrangement.care_mode
    )
    if package is None:
        messages.error(request, "没有适用于该参保人等级和照护方式的服务包")
        return redirect("care:plan_list")
    problems, status = [], 200
    posted = request.POST if request.method == "POST" else None
    if posted is not None:
        lines = [
            services.PlanLineInput(
                item_code=row["item"].code,
                times=row["times"],
                period=row["period"],
                minutes=row["minutes"] or None,
            )
            for row in _plan_rows(package, posted)
            if str(row["times"]).strip()
        ]
        try:
            plan = services.care_plan_draft(
                actor=request.user,
                person_id=arrangement.person_id,
                lines=lines,
                visits_times=posted.get("visits_times") or None,
                visits_period=posted.get("visits_period", Period.WEEK),
                note=posted.get("note", ""),
            )
        except FORM_ERRORS as exc:
            status = exc.status
            problems = list(dict.fromkeys([exc.message, *exc.fields.values()]))
        else:
            messages.success(request, f"已制定护理计划第{plan.version}版，待参保人确认")
            return redirect("care:plan_detail", pk=plan.pk)
    return render(
        request,
        "care/plan_form.html",
        {
            "arrangement": arrangement,
            "package": package,
            "rows": _plan_rows(
                package,
                posted,
                previous=selectors.care_plan_in_force(
                    fetched_by=request.user, person_id=arrangement.person_id
                ),
            ),
            "periods": Period.choices,
            "problems": problems,
            "posted": posted or {},
            "period_labels": plans.PERIOD_LABELS,
        },
        status=status,
    )


def _render_plan(request, plan, *, confirm_form=None, status=200):
    s = scope_of(request.user)
    return render(
        request,
        "care/plan_detail.html",
        {
            "plan": plan,
            "mode_label": MODE_LABELS[plan.care_mode],
            "grade_label": conf.grade_label(plan.grade),
            "can_confirm": s.can(Right.CARE_PLAN_CONFIRM) and plan.status == CarePlanStatus.DRAFT,
            "can_edit": s.can(Right.CARE_PLAN),
            "confirm_form": confirm_form or forms.CounterConfirmForm(),
            "relationship_label": services.RELATIONSHIPS.get(
                plan.signer_relationship, plan.signer_relationship
            ),
            "timeline": labelled_timeline(plan, services.PLAN_FLOW),
        },
        status=status,
    )


@staff_view
@require_GET
def plan_detail(request, pk: int):
    return _render_plan(request, selectors.care_plan_get(fetched_by=request.user, plan_id=pk))


def _confirm_at_counter(request, pk: int, form):
    services.care_plan_confirm(
        actor=request.user, plan_id=pk, channel="counter", **form.cleaned_data
    )
    messages.success(request, "已记录窗口确认，计划生效")
    return redirect("care:plan_detail", pk=pk)


@staff_view
@require_POST
def plan_action(request, pk: int, action: str):
    plan = selectors.care_plan_get(fetched_by=request.user, plan_id=pk)
    if action == "confirm":
        form = forms.CounterConfirmForm(request.POST)
        response, status = submit(form, lambda form: _confirm_at_counter(request, pk, form))
        return response or _render_plan(request, plan, confirm_form=form, status=status)
    try:
        if action == "withdraw":
            services.care_plan_withdraw(actor=request.user, plan_id=pk)
            messages.success(request, "草稿已作废")
        elif action == "revise":
            revised = services.care_plan_revise(actor=request.user, plan_id=pk)
            messages.success(request, f"已生成第{revised.version}版草稿")
            return redirect("care:plan_detail", pk=revised.pk)
    except FORM_ERRORS as exc:
        messages.error(request, exc.message)
    return redirect("care:plan_detail", pk=pk)


# --- the person's file ----------------------------------------------------------------------


@staff_view
@require_GET
def person_file(request, pk: int):
    require(request.user, Right.CARE_VIEW)
    file = selectors.person_file(fetched_by=request.user, person_id=pk)
    today = clock.today()
    for entitlement in file.entitlements:
        entitlement.grade_label = conf.grade_label(entitlement.grade)
        entitlement.current = selectors.arrangement_on(entitlement, today)
    s = scope_of(request.user)
    return render(
        request,
        "care/person_file.html",
        {
            "file": file,
            "person": file.person,
            "mode_labels": MODE_LABELS,
            "can_register": s.can(Right.INSURED_VIEW),
            "can_open": s.can(Right.CARE_ENTITLEMENT),
        },
    )
