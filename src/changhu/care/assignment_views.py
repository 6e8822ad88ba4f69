"""Staff pages for caregiver assignments (护理员派定), for the care institution's admin.

The institution's beneficiaries with who serves them today, and one beneficiary's page: the
assignments (current, scheduled, ended, each current one can be ended after a confirmation)
and a picker of the institution's caregivers in post, by name, with their certificates and
current load, to assign one from a start date. Only the institution's own beneficiaries and
caregivers are reachable (anyone else's is a 404).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changhu.care import assignment_selectors, conf, selectors, services
from changhu.care.assignment_forms import AssignForm, BeneficiaryFilterForm, EndForm
from changhu.core import clock
from changhu.core.errors import DomainError, ValidationFailed
from changhu.core.scope import require, scope_of
from changhu.orgs.roles import Right
from changhu.providers import rules as provider_rules
from changhu.providers import services as provider_services
from changhu.providers.rules import MODE_LABELS
from changhu.web.pages import FORM_ERRORS, paginate
from changhu.web.shortcuts import staff_view

PICKER_SIZE = 50  # caregivers shown at once; a name search narrows a larger institution
# Service field names -> form field names.
FIELD_MAP = {"caregiver_id": "caregiver", "item_code": "item", "start_date": "start_date"}


@staff_view
@require_GET
def beneficiary_list(request):
    require(request.user, Right.CARE_PLAN)
    form = BeneficiaryFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    today = clock.today()
    arrangements = assignment_selectors.assignment_beneficiaries(
        fetched_by=request.user,
        q=data.get("q", ""),
        unassigned=bool(data.get("unassigned")),
        day=today,
    )
    page = paginate(request, arrangements)
    current = assignment_selectors.assignments_in_force(
        fetched_by=request.user, person_ids=[a.person_id for a in page], day=today
    )
    for arrangement in page:
        arrangement.grade_label = conf.grade_label(arrangement.entitlement.grade)
        arrangement.current_assignments = current.get(arrangement.person_id, [])
    return render(
        request, "care/assignment_list.html", {"form": form, "page": page, "today": today}
    )


def _certificates(caregiver, day: dt.date) -> list[dict]:
    """The certificates that prove a qualification, newest expiry first, with their state."""
    proving = [
        c
        for c in caregiver.certificates.all()
        if provider_rules.CERTIFICATE_QUALIFICATION.get(c.kind)
    ]
    return [
        {
            "certificate": c,
            "state": provider_rules.certificate_state(c.issued_on, c.expires_on, day),
        }
        for c in sorted(proving, key=lambda c: c.expires_on, reverse=True)
    ]


def _render_person(
    request,
    arrangement,
    *,
    form: AssignForm | None = None,
    problem: DomainError | None = None,
    end_errors: dict[int, tuple[str, str]] | None = None,
    status: int = 200,
):
    user = request.user
    today = clock.today()
    person = arrangement.person
    q = (request.POST.get("q") or request.GET.get("q") or "").strip()[:40]
    candidates = assignment_selectors.assignable_caregivers(
        fetched_by=user, institution_id=arrangement.institution_id, person_id=person.pk
    )
    shown = list(
        assignment_selectors.assignable_caregivers(
            fetched_by=user, institution_id=arrangement.institution_id, person_id=person.pk, q=q
        )[:PICKER_SIZE]
    )
    plan = selectors.care_plan_in_force(fetched_by=user, person_id=person.pk)
    plan_items = list(plan.items.select_related("item").order_by("item__position")) if plan else []
    if form is None:
        form = AssignForm(
            initial={"start_date": max(today, arrangement.start_date)},
            caregiver_ids=[c.pk for c in shown],
            items=plan_items,
        )
    history = list(selectors.assignment_list(fetched_by=user, person_id=person.pk))
    serving = {
        a.caregiver_id
        for a in history
        if a.start_date <= today and (a.end_date is None or a.end_date >= today)
    }
    loads = assignment_selectors.caregiver_loads(
        fetched_by=user, caregiver_ids=[c.pk for c in shown], day=today
    )
    for caregiver in shown:
        caregiver.proving = _certificates(caregiver, today)
        caregiver.load = loads.get(caregiver.pk, 0)
        caregiver.serving = caregiver.pk in serving
        ok, _code, message = provider_services.caregiver_is_assignable(caregiver, today)
        caregiver.refusal = "" if ok else message
    end_errors = end_errors or {}
    for assignment in history:
        assignment.state = (
            "ended"
            if assignment.end_date and assignment.end_date < today
            else ("scheduled" if assignment.start_date > today else "current")
        )
        assignment.can_end = assignment.end_date is None or assignment.end_date > today
        assignment.end_initial = max(today, assignment.start_date)
        assignment.end_error_code, assignment.end_error = end_errors.get(assignment.pk, ("", ""))
    return render(
        request,
        "care/assignment_person.html",
        {
            "arrangement": arrangement,
            "person": person,
            "grade_label": conf.grade_label(arrangement.entitlement.grade),
            "mode_label": MODE_LABELS.get(arrangement.care_mode, arrangement.care_mode),
            "plan": plan,
            "form": form,
            "problem": problem,
            "caregivers": shown,
            "candidate_count": candidates.count(),
            "picker_size": PICKER_SIZE,
            "q": q,
            "history": history,
            "can_assign": scope_of(user).can(Right.CARE_PLAN),
            "today": today,
        },
        status=status,
    )


def _institution_argument(user, arrangement) -> dict:
    # A platform administrator (support, demo data) acts for the person's institution.
    return {"institution_id": arrangement.institution_id} if scope_of(user).unrestricted else {}


@staff_view
@require_http_methods(["GET", "POST"])
def person_assignments(request, person_id: int):
    require(request.user, Right.CARE_PLAN)
    arrangement = assignment_selectors.assignment_beneficiary(
        fetched_by=request.user, person_id=person_id
    )
    if request.method == "GET":
        return _render_person(request, arrangement)
    candidates = assignment_selectors.assignable_caregivers(
        fetched_by=request.user,
        institution_id=arrangement.institution_id,
        person_id=arrangement.person_id,
    )
    plan = selectors.care_plan_in_force(fetched_by=request.user, person_id=person_id)
    form = AssignForm(
        request.POST,
        caregiver_ids=list(candidates.values_list("pk", flat=True)),
        items=list(plan.items.select_related("item")) if plan else [],
    )
    if not form.is_valid():
        problem = ValidationFailed(code="assignment_invalid")
        return _render_person(request, arrangement, form=form, problem=problem, status=422)
    data = form.cleaned_data
    try:
        assignment = services.assignment_create(
            actor=request.user,
            person_id=arrangement.person_id,
            caregiver_id=data["caregiver"],
            item_code=data["item"],
            start_date=data["start_date"],
            **_institution_argument(request.user, arrangement),
        )
    except FORM_ERRORS as exc:
        for name, message in exc.fields.items():
            if FIELD_MAP.get(name) in form.fields:
                form.add_error(FIELD_MAP[name], message)
        return _render_person(request, arrangement, form=form, problem=exc, status=exc.status)
    item = f"负责“{assignment.item.name}”，" if assignment.item else ""
    messages.success(
        request,
        f"已派定护理员{assignment.caregiver.name}为{arrangement.person.name}服务，"
        f"{item}{assignment.start_date:%Y-%m-%d}起",
    )
    return redirect("care:assignment_person", person_id=arrangement.person_id)


@staff_view
@require_POST
def assignment_end(request, pk: int):
    require(request.user, Right.CARE_PLAN)
    assignment = assignment_selectors.assignment_get(fetched_by=request.user, assignment_id=pk)
    arrangement = assignment_selectors.assignment_beneficiary(
        fetched_by=request.user, person_id=assignment.person_id
    )
    form = EndForm(request.POST)
    if not form.is_valid():
        message = "；".join(form.errors["end_date"])
        errors = {pk: ("end_date_invalid", message)}
        return _render_person(request, arrangement, end_errors=errors, status=422)
    try:
        services.assignment_end(
            actor=request.user, assignment_id=pk, end_date=form.cleaned_data["end_date"]
        )
    except FORM_ERRORS as exc:
        if isinstance(exc, ValidationFailed):  # the date: say it beside the date
            errors = {pk: (exc.code, exc.message)}
            return _render_person(request, arrangement, end_errors=errors, status=exc.status)
        return _render_person(request, arrangement, problem=exc, status=exc.status)
    messages.success(
        request,
        f"已结束护理员{assignment.caregiver.name}对{assignment.person.name}的派定，"
        f"最后服务日{form.cleaned_data['end_date']:%Y-%m-%d}",
    )
    return redirect("care:assignment_person", person_id=assignment.person_id)
