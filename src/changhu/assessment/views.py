"""Staff pages of the assessment workflow: queues, intake, the case with its timeline and
actions, the on-site form with the live score, the publicity list, downloads. Thin views over
the services and the scoped selectors."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlencode

from django import forms as django_forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changhu.assessment import expert_selectors, forms, scoring, selectors, services
from changhu.assessment.exports import publicity_sheet
from changhu.assessment.models import (
    APPLICATION_DOCUMENT_KINDS,
    ONSITE_DOCUMENT_KINDS,
    Status,
)
from changhu.assessment.workflow import WORKFLOW
from changhu.core import clock
from changhu.core.errors import DomainError, NotFound
from changhu.core.excel import xlsx_response
from changhu.core.scope import require, scope_of
from changhu.orgs import selectors as org_selectors
from changhu.orgs.roles import Right
from changhu.web import pickers
from changhu.web.pages import detail_url, paginate
from changhu.web.shortcuts import add_domain_error, is_htmx, staff_view

_detail_url = partial(detail_url, "assessment:case_detail")


@staff_view
@require_GET
def case_list(request):
    require(request.user, Right.ASSESSMENT_VIEW)
    queues = selectors.queues_for(request.user)
    counts = selectors.queue_counts(fetched_by=request.user)
    current = request.GET.get("queue", "")
    if current and current not in {q.key for q in queues}:
        current = ""
    form = forms.CaseFilterForm(request.GET)
    form.is_valid()
    filters = selectors.ApplicationFilters(
        queue=current,
        q=form.cleaned_data.get("q", ""),
        district=form.cleaned_data.get("district", ""),
    )
    cases = selectors.application_list(fetched_by=request.user, filters=filters)
    page = paginate(request, cases)
    return render(
        request,
        "assessment/case_list.html",
        {
            "queues": [(q, counts.get(q.key, 0)) for q in queues],
            "current": current,
            "fifo": current in selectors.FIFO_QUEUES,
            "form": form,
            "page": page,
            "can_intake": scope_of(request.user).can(Right.ASSESSMENT_INTAKE),
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def application_create(request):
    require(request.user, Right.ASSESSMENT_INTAKE)
    status = 200
    if request.method == "POST":
        form = forms.ApplicationForm(request.POST, request.FILES)
        status = 422
        person = form.is_valid() and pickers.resolve_field(form, "person", request.user)
        if person:
            try:
                application = services.application_submit(
                    actor=request.user, data=form.to_input(person), documents=form.uploads()
                )
            except DomainError as exc:
                fields = {f"documents.{i}": u.kind for i, u in enumerate(form.uploads())}
                # "Choose the person" belongs on the picker.
                mapping = {**fields, "file": "id_card", "person_id": "person"}
                add_domain_error(form, exc, mapping)
                status = exc.status
            else:
                messages.success(request, f"已登记评估申请{application.number}")
                return redirect(_detail_url(application.pk))
    else:
        form = forms.ApplicationForm()
        chosen = pickers.choice_for("person", request.user, request.GET.get("person"))
        if chosen is not None:
            form.fields["person"].widget.chosen = chosen
            form.initial["person"] = pickers.Picked(str(chosen.key))
    return render(request, "assessment/application_form.html", {"form": form}, status=status)


def _care_choices(user) -> list[tuple[int, str]]:
    return [(o.pk, o.name) for o in org_selectors.organization_list(fetched_by=user, kind="care")]


def _allowed(user, application) -> set[str]:
    s = scope_of(user)
    allowed = {
        name
        for name in WORKFLOW.allowed(application.status)
        if s.can(WORKFLOW.transitions[name].right)
    }
    if s.can(Right.ASSESSMENT_INTAKE):
        allowed |= {
            n for n in ("resubmit", "withdraw") if n in WORKFLOW.allowed(application.status)
        }
    return allowed


def _render_case(request, application, *, status=200, **extra):
    user = request.user
    s = scope_of(user)
    assessments = selectors.assessments_of(fetched_by=user, application=application)
    current = next((a for a in assessments if a.pk == application.current_assessment_id), None)
    allowed = _allowed(user, application)
    mine = (
        s.organization_kind == "assessment"
        and application.institution_id == s.organization_id
        and current is not None
    )
    team = [a for a in current.assignments.all() if a.recused_at is None] if current else []
    on_team = any(a.user_id == user.pk for a in team)
    draws = expert_selectors.draws_of(fetched_by=user, application=application)
    draw = next(
        (d for d in draws if d.active and d.assessment_id == getattr(current, "pk", 0)), None
    )
    way = services.may_confirm(user, application) if current is not None else "institution"
    answered = current is not None and any(
        c.expert_id == user.pk and c.submission == current.submission
        for c in current.confirmations.all()
    )
    drawn_for_me = draw is not None and any(p.user_id == user.pk for p in draw.picks.all())
    can_confirm = (
        "expert_confirm" in allowed
        and not answered
        and ((way == "drawn" and drawn_for_me) or (way == "institution" and mine))
    )
    context = {
        "case": application,
        "person": application.person,
        "assessments": assessments,
        "current": current,
        "team": team,
        "documents": selectors.documents_of(fetched_by=user, application=application),
        "objections": selectors.objections_of(fetched_by=user, application=application),
        "conclusion": selectors.conclusion_of(application),
        "timeline": selectors.timeline(application),
        "allowed": allowed,
        "mine": mine,
        "can_confirm": can_confirm,
        "draws": draws,
        "draw": draw,
        "confirm_way": way,
        "drawn_for_me": drawn_for_me,
        "can_draw": s.can(Right.EXPERT_DRAW) and application.status == Status.ASSESSED,
        "draw_full": s.can(Right.EXPERT_POOL_VIEW),
        "on_team": on_team,
        "can_contact": s.can(Right.ASSESSMENT_CONTACT),
        "can_upload": (s.can(Right.ASSESSMENT_INTAKE) and application.is_open)
        or (mine and s.can(Right.ASSESSMENT_CONDUCT) and application.status == Status.ASSIGNED),
        "can_appeal": s.can(Right.ASSESSMENT_INTAKE),
        "can_reassess": s.can(Right.ASSESSMENT_REASSESS),
        "document_kinds": [
            (kind.value, kind.label)
            for kind in (
                ONSITE_DOCUMENT_KINDS
                if mine and application.status == Status.ASSIGNED
                else APPLICATION_DOCUMENT_KINDS
            )
        ],
        "refuse_form": forms.RefuseForm(),
        "materials_form": forms.MaterialsForm(),
        "note_form": forms.NoteForm(),
        "reason_form": forms.ReasonForm(),
        "confirm_form": forms.ConfirmForm(),
        "review_form": forms.ReviewForm(),
        "objection_form": forms.ObjectionForm(),
        "handle_form": forms.ObjectionHandleForm(),
        "appeal_form": forms.AppealForm(initial={"place": application.place}),
        "reassess_form": forms.ReassessForm(),
    }
    if "dispatch" in allowed:
        options = selectors.dispatch_options(application)
        context["dispatch_options"] = options
        context["dispatch_form"] = forms.DispatchForm(
            options=options, care_choices=_care_choices(user)
        )
    if mine and application.status in (Status.DISPATCHED, Status.ASSIGNED):
        options = selectors.assessor_options(application)
        context["assessor_options"] = options
        context["team_form"] = forms.TeamForm(
            options=options, initial={"user_ids": [str(a.user_id) for a in team]}
        )
    context.update(extra)
    return render(request, "assessment/case_detail.html", context, status=status)


@staff_view
@require_GET
def case_detail(request, pk: int):
    require(request.user, Right.ASSESSMENT_VIEW)
    application = selectors.application_get(fetched_by=request.user, application_id=pk)
    return _render_case(request, application)


def case_step(request, pk: int, call, success: str, anchor: str = "", url: str = ""):
    """Run one step; its domain error becomes a message on the page it came from."""
    url = url or _detail_url(pk, anchor)
    try:
        call()
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(url)
    messages.success(request, success)
    return redirect(url)


def _post(form_class, request, **kwargs):
    form = form_class(request.POST, **kwargs)
    form.is_valid()
    return form.cleaned_data


def _step(request, pk: int, form_class, service, success: str, anchor: str = ""):
    """A step posted from the case page whose form's fields are the service's arguments, by
    name; a field left out or invalid is passed empty, and the service says what is wrong."""
    data = _post(form_class, request)
    arguments = {
        name: data.get(name, None if isinstance(field, django_forms.DateField) else "")
        for name, field in form_class.base_fields.items()
    }
    return case_step(
        request,
        pk,
        lambda: service(actor=request.user, application_id=pk, **arguments),
        success,
        anchor,
    )


@staff_view
@require_POST
def case_action(request, pk: int, action: str):
    """The simple steps of the workflow, each a small form on the case page."""
    user = request.user
    selectors.application_get(fetched_by=user, application_id=pk)
    steps = {
        "accept": lambda d: services.application_accept(
            actor=user, application_id=pk, note=d.get("note", "")
        ),
        "resubmit": lambda d: services.application_resubmit(
            actor=user, application_id=pk, note=d.get("note", "")
        ),
        "withdraw": lambda d: services.application_withdraw(
            actor=user, application_id=pk, reason=d.get("note", "")
        ),
        "recall": lambda d: services.application_recall(
            actor=user, application_id=pk, reason=d.get("reason", "")
        ),
        "recuse": lambda d: services.assessor_recuse(
            actor=user, application_id=pk, reason=d.get("reason", "")
        ),
        "issue": lambda d: services.conclusion_issue(actor=user, application_id=pk),
    }
    forms_by_step = {"recall": forms.ReasonForm, "recuse": forms.ReasonForm}
    labels = {
        "accept": "已受理",
        "resubmit": "已重新提交受理",
        "withdraw": "已撤回申请",
        "recall": "已撤回派单",
        "recuse": "已申请回避，请本机构另行指派评估人员",
        "issue": "已出具评估结论书并通知申请人",
    }
    if action not in steps:
        raise NotFound()
    data = _post(forms_by_step.get(action, forms.NoteForm), request)
    return case_step(request, pk, lambda: steps[action](data), labels[action])


@staff_view
@require_POST
def refuse(request, pk: int):
    return _step(
        request, pk, forms.RefuseForm, services.application_refuse, "已作出不予受理决定并通知申请人"
    )


@staff_view
@require_POST
def request_materials(request, pk: int):
    return _step(
        request,
        pk,
        forms.MaterialsForm,
        services.application_request_materials,
        "已通知申请人补充材料",
    )


@staff_view
@require_POST
def dispatch(request, pk: int):
    application = selectors.application_get(fetched_by=request.user, application_id=pk)
    form = forms.DispatchForm(
        request.POST,
        options=selectors.dispatch_options(application),
        care_choices=_care_choices(request.user),
    )
    form.is_valid()
    data = form.cleaned_data
    institution = data.get("institution") or request.POST.get("institution")
    return case_step(
        request,
        pk,
        lambda: services.application_dispatch(
            actor=request.user,
            application_id=pk,
            institution_id=int(institution) if str(institution or "").isdigit() else None,
            due_date=data.get("due_date"),
            declared_care_institution_ids=request.POST.getlist("care_institutions"),
            note=data.get("note", ""),
        ),
        "已派单",
    )


@staff_view
@require_POST
def assign(request, pk: int):
    return case_step(
        request,
        pk,
        lambda: services.assessors_assign(
            actor=request.user, application_id=pk, user_ids=request.POST.getlist("user_ids")
        ),
        "已指派现场评估人员",
    )


@staff_view
@require_POST
def confirm(request, pk: int):
    return _step(request, pk, forms.ConfirmForm, services.assessment_confirm, "已提交确认意见")


@staff_view
@require_POST
def review(request, pk: int):
    return _step(request, pk, forms.ReviewForm, services.application_review, "已提交复核意见")


@staff_view
@require_POST
def objection_create(request, pk: int):
    return _step(
        request,
        pk,
        forms.ObjectionForm,
        services.objection_record,
        "已登记公示异议",
        "objections",
    )


@staff_view
@require_POST
def objection_handle(request, pk: int):
    objection = selectors.objection_get(fetched_by=request.user, objection_id=pk)
    data = _post(forms.ObjectionHandleForm, request)
    return case_step(
        request,
        objection.application_id,
        lambda: services.objection_handle(
            actor=request.user,
            objection_id=pk,
            decision=data.get("decision", ""),
            note=data.get("note", ""),
        ),
        "已处理异议",
        "objections",
    )


def _photos_fragment(request, application, *, status: int = 200, **extra):
    """The on-site photo card of the form page, after an upload made without leaving it."""
    context = _form_context(request, application)
    return render(request, "assessment/_onsite_photos.html", {**context, **extra}, status=status)


@staff_view
@require_POST
def document_upload(request, pk: int):
    form = forms.DocumentForm(request.POST, request.FILES)
    on_form = request.POST.get("next") == "form"
    # The form page uploads its photos in place (fetch), so the answers on it stay as they are.
    in_place = on_form and is_htmx(request)
    url = (
        reverse("assessment:assessment_form", args=[pk])
        if on_form
        else _detail_url(pk, "documents")
    )
    if in_place:
        application = selectors.application_get(fetched_by=request.user, application_id=pk)
        if not form.is_valid():
            return _photos_fragment(
                request, application, status=422, upload_error="请选择要上传的照片文件"
            )
        upload = services.Upload(kind=form.cleaned_data["kind"], file=form.cleaned_data["file"])
        try:
            document = services.document_add(actor=request.user, application_id=pk, upload=upload)
        except NotFound:
            raise
        except DomainError as exc:
            return _photos_fragment(
                request, application, status=exc.status, upload_error=exc.message
            )
        return _photos_fragment(request, application, upload_done=document.original_name)
    if not form.is_valid():
        messages.error(request, "请选择材料类型和文件")
        return redirect(url)
    upload = services.Upload(kind=form.cleaned_data["kind"], file=form.cleaned_data["file"])
    return case_step(
        request,
        pk,
        lambda: services.document_add(actor=request.user, application_id=pk, upload=upload),
        "已上传材料",
        url=url,
    )


def _new_case(request, conclusion, open_case, said) -> HttpResponse:
    """A case opened from a conclusion: its page comes next, or the refusal is said on the page
    of the conclusion's own case."""
    try:
        application = open_case()
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_detail_url(conclusion.application_id))
    messages.success(request, said(application))
    return redirect(_detail_url(application.pk))


@staff_view
@require_POST
def appeal(request, pk: int):
    conclusion = selectors.conclusion_get(fetched_by=request.user, conclusion_id=pk)
    data = _post(forms.AppealForm, request)
    return _new_case(
        request,
        conclusion,
        lambda: services.appeal_request(
            actor=request.user,
            conclusion_id=pk,
            reason=data.get("reason", ""),
            place=data.get("place") or None,
        ),
        lambda application: f"已登记复评申请{application.number}",
    )


@staff_view
@require_POST
def reassess(request, pk: int):
    conclusion = selectors.conclusion_get(fetched_by=request.user, conclusion_id=pk)
    data = _post(forms.ReassessForm, request)
    return _new_case(
        request,
        conclusion,
        lambda: services.reassessment_open(
            actor=request.user,
            person_id=conclusion.person_id,
            kind=data.get("kind", ""),
            reason=data.get("reason", ""),
        ),
        lambda application: f"已发起{application.get_kind_display()}{application.number}",
    )


@never_cache
@staff_view
@require_POST
def contact(request, pk: int):
    """The applicant's phone and the care address in clear, swapped in by htmx (audited)."""
    values = services.contact_reveal(actor=request.user, application_id=pk)
    return render(request, "assessment/_contact.html", values)


# --- the on-site form ---------------------------------------------------------------------------


def _form_context(request, application, form=None):
    assessment = application.current_assessment
    if assessment is None or not scope_of(request.user).can(Right.ASSESSMENT_VIEW):
        raise NotFound()
    scoped = selectors.assessments_of(fetched_by=request.user, application=application)
    if assessment.pk not in {a.pk for a in scoped}:
        raise NotFound()
    scale = assessment.scale_version.scale
    team = [a for a in assessment.assignments.select_related("user") if a.recused_at is None]
    if form is None:
        form = forms.AssessmentForm(
            scale=scale,
            team=team,
            initial=forms.AssessmentForm.initial_from(assessment, scale, team),
        )
    editable = (
        application.status == Status.ASSIGNED
        and any(a.user_id == request.user.pk for a in team)
        and scope_of(request.user).can(Right.ASSESSMENT_CONDUCT)
    )
    return {
        "case": application,
        "assessment": assessment,
        "scale": scale,
        "form": form,
        "editable": editable,
        "score": _live(scale, assessment.answers),
        "photos": assessment.documents.all(),
        "document_form": forms.DocumentForm(initial={"kind": "onsite_photo"}),
    }


def _live(scale, answers) -> dict:
    try:
        partial = scoring.partial_score(scale, answers)
    except scoring.ScoringError as exc:
        return {"error": exc.message}
    names = {code: scale.level(level).name for code, level in partial.levels.items()}
    low, high = partial.grade_range
    return {
        "partial": partial,
        "indicators": [
            {
                "name": d.name,
                "score": partial.scores[d.code],
                "max": d.max_points,
                "level": names.get(d.code, ""),
            }
            for d in scale.indicators
        ],
        "answered": len(partial.answers),
        "total": len(scale.items),
        "grade_label": partial.result.grade_label if partial.result else "",
        "range": "" if partial.result else f"{scale.grade(low).label} 至 {scale.grade(high).label}",
    }


@staff_view
@require_http_methods(["GET", "POST"])
def assessment_form(request, pk: int):
    application = selectors.application_get(fetched_by=request.user, application_id=pk)
    context = _form_context(request, application)
    if request.method == "GET":
        return render(request, "assessment/assessment_form.html", context)
    assessment = context["assessment"]
    team = [a for a in assessment.assignments.select_related("user") if a.recused_at is None]
    form = forms.AssessmentForm(request.POST, scale=context["scale"], team=team)
    form.is_valid()
    submit = request.POST.get("action") == "submit"
    try:
        if submit:
            services.assessment_submit(actor=request.user, application_id=pk, data=form.to_input())
        else:
            services.assessment_form_save(
                actor=request.user, application_id=pk, data=form.to_input()
            )
    except DomainError as exc:
        add_domain_error(form, exc, form.field_map())
        context = _form_context(request, application, form)
        context["score"] = _live(context["scale"], form.answers())
        return render(request, "assessment/assessment_form.html", context, status=exc.status)
    if submit:
        messages.success(request, "已提交现场评估结果，等待评估专家确认")
        return redirect(_detail_url(pk))
    messages.success(request, "已保存评估表草稿")
    return redirect(reverse("assessment:assessment_form", args=[pk]))


@staff_view
@require_POST
def form_score(request, pk: int):
    """The live score of the form as it stands in the browser (htmx); nothing is saved."""
    application = selectors.application_get(fetched_by=request.user, application_id=pk)
    context = _form_context(request, application)
    form = forms.AssessmentForm(request.POST, scale=context["scale"])
    return render(
        request, "assessment/_score.html", {"score": _live(context["scale"], form.answers())}
    )


# --- publicity and downloads ---------------------------------------------------------------------


@staff_view
@require_GET
def publicity(request):
    require(request.user, Right.ASSESSMENT_VIEW)
    return render(
        request,
        "assessment/publicity.html",
        {"rows": selectors.publicity_rows(fetched_by=request.user)},
    )


@staff_view
@require_GET
def publicity_export(request):
    require(request.user, Right.ASSESSMENT_VIEW)
    sheet = publicity_sheet(selectors.publicity_rows(fetched_by=request.user))
    return xlsx_response(f"评估结果公示名单{clock.today():%Y%m%d}", [sheet])


def _download(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "no-store"
    return response


@staff_view
@require_GET
def document_download(request, pk: int):
    document, data = services.document_read(actor=request.user, document_id=pk)
    return _download(data, document.original_name, document.content_type)


@staff_view
@require_GET
def conclusion_letter(request, pk: int):
    conclusion, data = services.conclusion_letter(actor=request.user, conclusion_id=pk)
    return _download(data, f"评估结论书{conclusion.number}.pdf", "application/pdf")


def queue_url(key: str) -> str:
    return f"{reverse('assessment:case_list')}?{urlencode({'queue': key})}"
