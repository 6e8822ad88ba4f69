"""Training pages: courses, a course's sessions, a session with its roll (attendance and
scores in one form), enrolment, issuing certificates after a confirmation, and subsidies."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changhu.core import clock
from changhu.core.errors import ValidationFailed
from changhu.core.money import format_yuan
from changhu.core.scope import require, scope_of
from changhu.orgs.roles import Right
from changhu.providers import selectors as provider_selectors
from changhu.training import forms, selectors, services
from changhu.web.pages import act, form_page, paginate, posted
from changhu.web.shortcuts import staff_view


@staff_view
@require_GET
def course_list(request):
    require(request.user, Right.TRAINING_VIEW)
    page = paginate(request, selectors.courses(request.user))
    return render(
        request,
        "training/course_list.html",
        {"page": page, "can_manage": scope_of(request.user).can(Right.TRAINING_MANAGE)},
    )


@staff_view
@require_http_methods(["GET", "POST"])
def course_new(request):
    require(request.user, Right.TRAINING_MANAGE)
    form = forms.CourseForm(posted(request), organizers=selectors.organizers(request.user))

    def save(form):
        d = form.cleaned_data
        course = services.course_create(
            actor=request.user,
            data=services.CourseInput(
                name=d["name"],
                audience=d["audience"],
                hours=d["hours"],
                certificate_kind=d["certificate_kind"],
                validity_months=d["validity_months"] or 0,
                organizer_id=int(d["organizer_id"]),
            ),
        )
        messages.success(request, f"课程“{course.name}”已建立")
        return redirect("training:course_detail", pk=course.pk)

    return form_page(request, "training/course_new.html", form, save)


@staff_view
@require_GET
def course_detail(request, pk: int):
    require(request.user, Right.TRAINING_VIEW)
    course = selectors.course(request.user, pk)
    page = paginate(request, selectors.sessions(request.user, course_id=course.pk))
    return render(
        request,
        "training/course_detail.html",
        {
            "course": course,
            "page": page,
            "can_manage": scope_of(request.user).can(Right.TRAINING_MANAGE),
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def session_new(request, pk: int):
    require(request.user, Right.TRAINING_MANAGE)
    course = selectors.course(request.user, pk)
    form = forms.SessionForm(posted(request))

    def save(form):
        d = form.cleaned_data
        session = services.session_create(
            actor=request.user,
            course_id=course.pk,
            data=services.SessionInput(
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                place=d["place"],
                capacity=d["capacity"],
                pass_mark=d["pass_mark"],
            ),
        )
        messages.success(request, "培训班次已开设")
        return redirect("training:session_detail", pk=session.pk)

    return form_page(request, "training/session_new.html", form, save, context={"course": course})


def _enrol_choices(user, session):
    """Who may still be put on the roll: caregivers of the course's kind, or for a course for
    评估人员 the assessors in post, among those the user sees."""
    if not scope_of(user).can(Right.TRAINING_ENROL):
        return []
    if session.course.audience == "assessor":
        enrolled = session.enrolments.filter(assessor__isnull=False).values("assessor_id")
        return list(
            provider_selectors.assessor_list(
                fetched_by=user, filters=provider_selectors.AssessorFilters(status="active")
            ).exclude(pk__in=enrolled)[:500]
        )
    kinds = {"caregiver": ("staff", "individual"), "family": ("family",)}.get(
        session.course.audience, ()
    )
    filters = provider_selectors.CaregiverFilters(status="active")
    enrolled = session.enrolments.filter(caregiver__isnull=False).values("caregiver_id")
    return list(
        provider_selectors.caregiver_list(fetched_by=user, filters=filters)
        .filter(kind__in=kinds)
        .exclude(pk__in=enrolled)
        .select_related("institution__organization")[:500]
    )


def _enrol_form(user, session, data=None):
    label = "评估人员" if session.course.audience == "assessor" else "护理员"
    return forms.EnrolForm(data, caregivers=_enrol_choices(user, session), label=label)


def _session_page(
    request, session, *, enrol_form=None, subsidy_form=None, roll_errors=None, status=200
):
    s = scope_of(request.user)
    roll = list(selectors.roll(request.user, session.pk))
    can_enrol = s.can(Right.TRAINING_ENROL)
    return render(
        request,
        "training/session_detail.html",
        {
            "session": session,
            "course": session.course,
            "roll": roll,
            "passed": sum(1 for e in roll if e.passed()),
            "issued": sum(1 for e in roll if e.certificate_number),
            "can_manage": s.can(Right.TRAINING_MANAGE),
            "can_enrol": can_enrol,
            "can_subsidy": s.can(Right.TRAINING_MANAGE) and s.can(Right.FUND_MANAGE),
            "enrol_form": enrol_form or (_enrol_form(request.user, session) if can_enrol else None),
            "subsidy_form": subsidy_form or forms.SubsidyForm(),
            "subsidy_yuan": format_yuan(session.subsidy_per_pass_fen)
            if session.subsidy_per_pass_fen
            else "",
            "roll_errors": roll_errors or {},
            "started": session.starts_on <= clock.today(),
        },
        status=status,
    )


@staff_view
@require_GET
def session_detail(request, pk: int):
    require(request.user, Right.TRAINING_VIEW)
    return _session_page(request, selectors.session(request.user, pk))


@staff_view
@require_POST
def enrol(request, pk: int):
    require(request.user, Right.TRAINING_ENROL)
    session = selectors.session(request.user, pk)
    form = _enrol_form(request.user, session, request.POST)
    if not form.is_valid():
        return _session_page(request, session, enrol_form=form, status=422)
    chosen = int(form.cleaned_data["caregiver_id"])
    key = "assessor_id" if session.course.audience == "assessor" else "caregiver_id"
    return act(
        request,
        lambda: services.enrol(actor=request.user, session_id=session.pk, **{key: chosen}),
        lambda e: f"{e.person.name}已报名",
        redirect("training:session_detail", pk=session.pk),
    )


@staff_view
@require_POST
def withdraw(request, pk: int):
    require(request.user, Right.TRAINING_ENROL)
    enrolment = selectors.enrolment(request.user, pk)
    return act(
        request,
        lambda: services.withdraw(actor=request.user, enrolment_id=enrolment.pk),
        f"{enrolment.person.name}的报名已取消",
        redirect("training:session_detail", pk=enrolment.session_id),
    )


@staff_view
@require_POST
def roll(request, pk: int):
    """The roll form: one checkbox (attended) and one score per enrolment, saved together."""
    require(request.user, Right.TRAINING_MANAGE)
    session = selectors.session(request.user, pk)
    rows = [
        services.RollRow(
            e.pk,
            request.POST.get(f"attended_{e.pk}") == "on",
            request.POST.get(f"score_{e.pk}", "").strip() or None,
        )
        for e in selectors.roll(request.user, session.pk)
    ]
    try:
        changed = services.roll_record(actor=request.user, session_id=session.pk, rows=rows)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return _session_page(request, session, roll_errors=exc.fields, status=exc.status)
    messages.success(request, f"出勤和成绩已保存（{changed}人有变动）")
    return redirect("training:session_detail", pk=session.pk)


@staff_view
@require_http_methods(["GET", "POST"])
def issue(request, pk: int):
    """GET: what issuing will do (who gets a certificate, who does not and why); POST: do it."""
    require(request.user, Right.TRAINING_MANAGE)
    session = selectors.session(request.user, pk)
    if request.method == "POST":
        return act(
            request,
            lambda: services.certificates_issue(actor=request.user, session_id=session.pk),
            lambda plan: f"已发证{len(plan.to_issue)}人，证书已登记为护理员资格证书",
            redirect("training:session_detail", pk=session.pk),
        )
    plan = services.issue_plan(request.user, session)
    expires = None
    if session.course.certificate_kind:
        expires = services._expiry(clock.today(), session.course.validity_months)
    return render(
        request,
        "training/issue.html",
        {"session": session, "course": session.course, "plan": plan, "expires": expires},
    )


@staff_view
@require_POST
def subsidy(request, pk: int):
    require(request.user, Right.TRAINING_MANAGE)
    session = selectors.session(request.user, pk)
    form = forms.SubsidyForm(request.POST)
    if not form.is_valid():
        return _session_page(request, session, subsidy_form=form, status=422)
    fen = int((form.cleaned_data["amount_yuan"] * Decimal(100)).to_integral_value())
    return act(
        request,
        lambda: services.subsidy_record(
            actor=request.user, session_id=session.pk, amount_per_pass_fen=fen
        ),
        lambda s: f"培训补贴已记入基金支出：{s.subsidy_people}人×{format_yuan(fen)}元",
        redirect("training:session_detail", pk=session.pk),
    )
