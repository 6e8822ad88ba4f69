"""Staff pages for institutions, admissions, agreements and caregivers: thin views over the
services and the scoped selectors."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changhu.core import clock
from changhu.core.imports import workbooks
from changhu.core.scope import require, scope_of
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.providers import exports, forms, imports, rules, selectors, services
from changhu.providers.models import DesignationKind
from changhu.web.pages import (
    FORM_ERRORS,
    attachment,
    form_page,
    import_decisions,
    paginate,
    posted,
    submit,
    upload_page,
)
from changhu.web.shortcuts import add_domain_error, staff_view


def _care_actor(user) -> bool:
    s = scope_of(user)
    return not s.unrestricted and s.organization_kind == OrgKind.CARE


# --- institutions ---------------------------------------------------------------------------


# The same pages serve care and assessment institutions; ``kind`` comes from the URL.
KIND_PAGES = {
    DesignationKind.CARE: {
        "title": "定点护理机构",
        "list_url": "providers:institution_list",
        "new_url": "providers:admission_new",
        "columns": "机构名称|类别|所在地区|照护方式|床位|在岗护理员|状态",
    },
    DesignationKind.ASSESSMENT: {
        "title": "定点评估机构",
        "list_url": "providers:assessment_institution_list",
        "new_url": "providers:assessment_admission_new",
        "columns": "机构名称|所在地区|在岗评估人员|状态",
    },
}


@staff_view
@require_GET
def institution_list(request, kind: str = DesignationKind.CARE):
    require(request.user, Right.PROVIDERS_VIEW)
    form = forms.InstitutionFilterForm(request.GET, kind=kind)
    institutions = selectors.institution_list(fetched_by=request.user, filters=form.filters())
    if kind == DesignationKind.ASSESSMENT:
        institutions = selectors.with_assessor_counts(institutions)
    return render(
        request,
        "providers/institution_list.html",
        {
            "form": form,
            "kind": kind,
            "pages": KIND_PAGES[kind],
            "page": paginate(request, institutions),
            "mode_labels": rules.MODE_LABELS,
            "can_admit": scope_of(request.user).can(Right.PROVIDERS_ADMIT),
            "can_apply": scope_of(request.user).can(Right.PROVIDERS_APPLY),
        },
    )


# What a status change does, asked before it is sent (a termination cannot be undone).
STATUS_QUESTIONS = {
    False: "确定变更该机构的状态？暂停后不能新增服务对象；终止后服务协议随之终止，"
    "其服务对象全部转入转移安置，不能撤销。",
    True: "确定变更该评估机构的状态？暂停后不再向其派发评估；终止后服务协议随之终止，不能撤销。",
}


def _render_institution(request, institution, *, bound=None, status=200):
    bound = bound or {}
    today = clock.today()
    agreements = list(institution.agreements.all())
    for agreement in agreements:
        agreement.in_force = agreement.in_force_on(today)
    return render(
        request,
        "providers/institution_detail.html",
        {
            "institution": institution,
            "org": institution.organization,
            "pages": KIND_PAGES[institution.kind],
            "agreements": agreements,
            "modes": [rules.MODE_LABELS[m] for m in institution.care_modes],
            "can_admit": scope_of(request.user).can(Right.PROVIDERS_ADMIT),
            "status_form": bound.get("status") or forms.InstitutionStatusForm(),
            "status_question": STATUS_QUESTIONS[institution.is_assessment],
            "agreement_form": bound.get("agreement") or forms.AgreementForm(),
            "renew_form": bound.get("renew") or forms.RenewForm(),
            "end_form": bound.get("end") or forms.AgreementEndForm(),
            "caregiver_count": selectors.active_caregiver_count(institution),
            "assessor_count": selectors.active_assessor_count(institution),
        },
        status=status,
    )


def _institution(request, pk):
    return selectors.institution_get(fetched_by=request.user, institution_id=pk)


@staff_view
@require_GET
def institution_detail(request, pk: int):
    return _render_institution(request, _institution(request, pk))


def _institution_step(request, institution, name: str, form, save) -> HttpResponse:
    """A form of the institution page: saved (``save`` says what was done), or the page again
    with this form's errors."""

    def done(form):
        messages.success(request, save(form))
        return redirect("providers:institution_detail", pk=institution.pk)

    response, status = submit(form, done)
    return response or _render_institution(request, institution, bound={name: form}, status=status)


@staff_view
@require_POST
def institution_status(request, pk: int):
    institution = _institution(request, pk)

    def save(form):
        services.institution_set_status(
            actor=request.user, institution_id=institution.pk, **form.cleaned_data
        )
        return "机构状态已变更"

    form = forms.InstitutionStatusForm(request.POST)
    return _institution_step(request, institution, "status", form, save)


@staff_view
@require_POST
def agreement_sign(request, pk: int):
    institution = _institution(request, pk)

    def save(form):
        agreement = services.agreement_sign(
            actor=request.user, institution_id=institution.pk, data=form.to_input()
        )
        return f"已签订服务协议{agreement.number}"

    form = forms.AgreementForm(request.POST)
    return _institution_step(request, institution, "agreement", form, save)


@staff_view
@require_POST
def agreement_renew(request, pk: int):
    agreement = selectors.agreement_get(fetched_by=request.user, agreement_id=pk)
    institution = _institution(request, agreement.institution_id)

    def save(form):
        renewed = services.agreement_renew(
            actor=request.user,
            agreement_id=agreement.pk,
            valid_until=form.cleaned_data.get("valid_until"),
            number=form.cleaned_data.get("number", ""),
        )
        return f"已续签：{renewed.number}"

    form = forms.RenewForm(request.POST)
    return _institution_step(request, institution, "renew", form, save)


@staff_view
@require_POST
def agreement_end(request, pk: int):
    agreement = selectors.agreement_get(fetched_by=request.user, agreement_id=pk)
    institution = _institution(request, agreement.institution_id)

    def save(form):
        services.agreement_terminate(
            actor=request.user, agreement_id=agreement.pk, **form.cleaned_data
        )
        return f"协议{agreement.number}已解除"

    form = forms.AgreementEndForm(request.POST)
    return _institution_step(request, institution, "end", form, save)


@staff_view
@require_GET
def agreements_due(request):
    require(request.user, Right.PROVIDERS_VIEW)
    due = selectors.agreements_due_for_renewal(fetched_by=request.user)
    return render(request, "providers/agreements_due.html", {"page": paginate(request, due)})


# --- admissions -----------------------------------------------------------------------------


@staff_view
@require_GET
def admission_list(request):
    s = scope_of(request.user)
    if not (s.can(Right.PROVIDERS_VIEW) or s.can(Right.PROVIDERS_APPLY)):
        require(request.user, Right.PROVIDERS_VIEW)
    form = forms.AdmissionFilterForm(request.GET)
    valid = form.is_valid()
    status = form.cleaned_data.get("status", "") if valid else ""
    kind = form.cleaned_data.get("kind", "") if valid else ""
    admissions = selectors.admission_list(fetched_by=request.user, status=status, kind=kind)
    return render(
        request,
        "providers/admission_list.html",
        {
            "form": form,
            "page": paginate(request, admissions),
            "can_apply": s.can(Right.PROVIDERS_APPLY),
            "can_admit": s.can(Right.PROVIDERS_ADMIT),
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def admission_new(request, kind: str = DesignationKind.CARE):
    require(request.user, Right.PROVIDERS_APPLY)
    care_actor = _care_actor(request.user)
    if care_actor and kind != DesignationKind.CARE:
        return redirect("providers:admission_new")
    form = forms.AdmissionForm(posted(request), user=request.user, care_actor=care_actor, kind=kind)

    def save(form):
        admission = services.admission_submit(actor=request.user, data=form.to_input())
        messages.success(request, f"{admission.get_kind_display()}准入申请已提交")
        return redirect("providers:admission_detail", pk=admission.pk)

    return form_page(
        request,
        "providers/admission_form.html",
        form,
        save,
        context={"pages": KIND_PAGES[kind]},
        field_map={"organization_id": "organization"},
    )


ADMISSION_ACTIONS = {
    "review": (None, "已开始审核"),
    "inspection": (forms.InspectionPlanForm, "已安排现场核查"),
    "inspection_result": (forms.InspectionResultForm, "已登记核查结果"),
    "approve": (forms.ApproveForm, "已准入并签订服务协议"),
    "refuse": (forms.ReasonForm, "已作出不予准入决定"),
    "withdraw": (forms.ReasonForm, "申请已撤回"),
}


def _render_admission(request, admission, *, bound=None, status=200):
    bound = bound or {}
    s = scope_of(request.user)
    context = {
        "admission": admission,
        "modes": [rules.MODE_LABELS.get(m, m) for m in admission.care_modes],
        "fast_eligible": rules.fast_channel_eligible(
            care_kind=admission.care_kind, medical_designated=admission.medical_designated
        ),
        "can_admit": s.can(Right.PROVIDERS_ADMIT),
        "can_apply": s.can(Right.PROVIDERS_APPLY),
        "approve_title": "准入并签订评估服务协议"
        if admission.kind == DesignationKind.ASSESSMENT
        else "准入并签订服务协议",
        "institution": getattr(admission, "institution", None)
        if admission.status == "approved"
        else None,
    }
    for action, (form_class, _) in ADMISSION_ACTIONS.items():
        if form_class is not None:
            context[f"{action}_form"] = bound.get(action) or form_class()
    return render(request, "providers/admission_detail.html", context, status=status)


@staff_view
@require_GET
def admission_detail(request, pk: int):
    admission = selectors.admission_get(fetched_by=request.user, admission_id=pk)
    return _render_admission(request, admission)


@staff_view
@require_POST
def admission_action(request, pk: int, action: str):
    admission = selectors.admission_get(fetched_by=request.user, admission_id=pk)
    if action not in ADMISSION_ACTIONS:
        return redirect("providers:admission_detail", pk=pk)
    form_class, done = ADMISSION_ACTIONS[action]
    actor = request.user
    if form_class is None:  # 开始审核: a button, nothing to fill in
        services.admission_start_review(actor=actor, admission_id=pk)
        messages.success(request, done)
        return redirect("providers:admission_detail", pk=pk)

    def save(form):
        data = form.cleaned_data
        target = redirect("providers:admission_detail", pk=pk)
        if action == "inspection":
            services.admission_schedule_inspection(
                actor=actor, admission_id=pk, planned_on=data.get("planned_on")
            )
        elif action == "inspection_result":
            services.admission_record_inspection(actor=actor, admission_id=pk, **data)
        elif action == "approve":
            institution = services.admission_approve(
                actor=actor,
                admission_id=pk,
                agreement=form.to_input(),
                reason=data.get("reason", ""),
            )
            target = redirect("providers:institution_detail", pk=institution.pk)
        elif action == "refuse":
            services.admission_refuse(actor=actor, admission_id=pk, reason=data.get("reason", ""))
        else:
            services.admission_withdraw(actor=actor, admission_id=pk, reason=data.get("reason", ""))
        messages.success(request, done)
        return target

    form = form_class(request.POST)
    response, status = submit(form, save)
    return response or _render_admission(request, admission, bound={action: form}, status=status)


# --- caregivers -----------------------------------------------------------------------------


@staff_view
@require_GET
def caregiver_list(request):
    require(request.user, Right.PROVIDERS_VIEW)
    form = forms.CaregiverFilterForm(request.GET, user=request.user)
    caregivers = selectors.caregiver_list(fetched_by=request.user, filters=form.filters())
    today = clock.today()
    page = paginate(request, caregivers)
    for caregiver in page:
        proving = [
            c for c in caregiver.certificates.all() if rules.CERTIFICATE_QUALIFICATION[c.kind]
        ]
        latest = max(proving, key=lambda c: c.expires_on, default=None)
        caregiver.latest_certificate = latest
        caregiver.certificate_state = (
            rules.certificate_state(latest.issued_on, latest.expires_on, today)
            if latest
            else "none"
        )
    return render(
        request,
        "providers/caregiver_list.html",
        {
            "form": form,
            "page": page,
            "can_manage": scope_of(request.user).can(Right.CAREGIVERS_MANAGE),
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def caregiver_new(request):
    require(request.user, Right.CAREGIVERS_MANAGE)
    form = forms.CaregiverForm(
        posted(request), user=request.user, care_actor=_care_actor(request.user)
    )

    def save(form):
        caregiver = services.caregiver_register(actor=request.user, data=form.to_input())
        messages.success(request, f"已登记护理员：{caregiver.name}")
        return redirect("providers:caregiver_detail", pk=caregiver.pk)

    field_map = {"beneficiary_id": "beneficiary_id_number", "institution_id": "institution"}
    return form_page(request, "providers/caregiver_form.html", form, save, field_map=field_map)


def _render_caregiver(request, caregiver, *, bound=None, status=200, new_password=None):
    bound = bound or {}
    today = clock.today()
    certificates = list(caregiver.certificates.all())
    for certificate in certificates:
        certificate.state = rules.certificate_state(
            certificate.issued_on, certificate.expires_on, today
        )
    trainings = list(caregiver.trainings.all())
    ok, _, reason = services.caregiver_is_assignable(caregiver, today)
    return render(
        request,
        "providers/caregiver_detail.html",
        {
            "caregiver": caregiver,
            "certificates": certificates,
            "trainings": trainings,
            "training_hours": sum(t.hours for t in trainings),
            "assignable": ok,
            "assignable_reason": reason,
            "can_manage": scope_of(request.user).can(Right.CAREGIVERS_MANAGE),
            "certificate_form": bound.get("certificate") or forms.CertificateForm(),
            "training_form": bound.get("training") or forms.TrainingForm(),
            "status_form": bound.get("status") or forms.CaregiverStatusForm(),
            "account_form": bound.get("account") or forms.CaregiverAccountForm(),
            "new_password": new_password,
        },
        status=status,
    )


def _caregiver_account(request, caregiver, action: str):
    """Open, reset or close the caregiver's phone login. A new password is shown once, on the
    page this POST answers (not kept in the session for a redirect)."""
    form = forms.CaregiverAccountForm(request.POST if action == "account_open" else None)
    if action == "account_open" and not form.is_valid():
        return _render_caregiver(request, caregiver, bound={"account": form}, status=422)
    try:
        if action == "account_open":
            result = services.caregiver_account_open(
                actor=request.user, caregiver_id=caregiver.pk, **form.cleaned_data
            )
        elif action == "account_reset":
            result = services.caregiver_account_reset(actor=request.user, caregiver_id=caregiver.pk)
        else:
            services.caregiver_account_close(actor=request.user, caregiver_id=caregiver.pk)
            messages.success(request, "已停用手机端账号")
            return redirect("providers:caregiver_detail", pk=caregiver.pk)
    except FORM_ERRORS as exc:
        add_domain_error(form, exc)
        return _render_caregiver(request, caregiver, bound={"account": form}, status=exc.status)
    caregiver = _caregiver(request, caregiver.pk)
    return _render_caregiver(request, caregiver, new_password=result.password)


def _caregiver(request, pk):
    return selectors.caregiver_get(fetched_by=request.user, caregiver_id=pk)


@staff_view
@require_GET
def caregiver_detail(request, pk: int):
    return _render_caregiver(request, _caregiver(request, pk))


@staff_view
@require_POST
def caregiver_action(request, pk: int, action: str):
    caregiver = _caregiver(request, pk)
    if action in ("account_open", "account_reset", "account_close"):
        return _caregiver_account(request, caregiver, action)
    form_class = {
        "certificate": forms.CertificateForm,
        "training": forms.TrainingForm,
        "status": forms.CaregiverStatusForm,
    }.get(action)
    if form_class is None:
        return redirect("providers:caregiver_detail", pk=pk)

    def save(form):
        if action == "certificate":
            services.certificate_add(actor=request.user, caregiver_id=pk, data=form.to_input())
        elif action == "training":
            services.training_add(actor=request.user, caregiver_id=pk, **form.cleaned_data)
        else:
            services.caregiver_set_status(actor=request.user, caregiver_id=pk, **form.cleaned_data)
        messages.success(request, "已保存")
        return redirect("providers:caregiver_detail", pk=pk)

    form = form_class(request.POST)
    response, status = submit(form, save)
    return response or _render_caregiver(request, caregiver, bound={action: form}, status=status)


@staff_view
@require_GET
def certificates_expiring(request):
    require(request.user, Right.PROVIDERS_VIEW)
    try:
        days = max(1, min(int(request.GET.get("days", rules.EXPIRY_WARNING_DAYS)), 366))
    except ValueError:
        days = rules.EXPIRY_WARNING_DAYS
    today = clock.today()
    certificates = selectors.certificates_expiring(fetched_by=request.user, within_days=days)
    page = paginate(request, certificates)
    for certificate in page:
        certificate.state = rules.certificate_state(
            certificate.issued_on, certificate.expires_on, today
        )
        certificate.days_left = (certificate.expires_on - today).days
    return render(request, "providers/certificates_expiring.html", {"page": page, "days": days})


# --- import and export ----------------------------------------------------------------------


def _may_import(user) -> bool:
    s = scope_of(user)
    return s.can(Right.PROVIDERS_ADMIT) or s.can(Right.CAREGIVERS_MANAGE)


@staff_view
@require_http_methods(["GET", "POST"])
def import_new(request):
    if not _may_import(request.user):
        require(request.user, Right.CAREGIVERS_MANAGE)
    return upload_page(
        request,
        "providers/import_new.html",
        forms.ImportUploadForm,
        lambda data, upload: imports.import_upload(
            actor=request.user, kind=data["kind"], upload=upload, file_name=upload.name
        ),
        detail="providers:import_detail",
        context={"batches": selectors.import_batch_list(fetched_by=request.user)[:20]},
        default_field=None,
    )


@staff_view
@require_GET
def import_detail(request, pk: int):
    batch = selectors.import_batch_get(fetched_by=request.user, batch_id=pk)
    return render(
        request, "providers/import_detail.html", {"batch": batch, "form": forms.CommitForm()}
    )


import_commit, import_discard = import_decisions(imports.PIPELINE, detail="providers:import_detail")


@staff_view
@require_GET
def import_errors(request, pk: int):
    batch = selectors.import_batch_get(fetched_by=request.user, batch_id=pk)
    content, _ = workbooks.error_report(batch)
    return attachment(content, f"import-{batch.pk}-errors.xlsx")


@staff_view
@require_GET
def import_template(request, kind: str):
    if kind not in imports.COLUMNS:
        return redirect("providers:import_new")
    content, _, _ = imports.PIPELINE.template(kind=kind, file_format="xlsx")
    return attachment(content, f"{kind}-template.xlsx")


@staff_view
@require_GET
def export(request, kind: str):
    if kind == "institutions":
        return attachment(exports.export_institutions(actor=request.user), "institutions.xlsx")
    if kind == "caregivers":
        return attachment(exports.export_caregivers(actor=request.user), "caregivers.xlsx")
    return redirect(reverse("providers:institution_list"))


# --- assessors (评估人员库) -------------------------------------------------------------------


def _can_manage_assessors(user) -> bool:
    return scope_of(user).can(Right.ASSESSORS_MANAGE)


@staff_view
@require_GET
def assessor_list(request):
    require(request.user, Right.PROVIDERS_VIEW)
    form = forms.AssessorFilterForm(request.GET, user=request.user)
    assessors = selectors.assessor_list(fetched_by=request.user, filters=form.filters())
    today = clock.today()
    page = paginate(request, assessors)
    for assessor in page:
        assessor.qualified, assessor.qualification_reason = services.assessor_qualification(
            assessor, today
        )
        held = [
            c for c in assessor.certificates.all() if c.kind in rules.ASSESSOR_CERTIFICATE_KINDS
        ]
        assessor.latest_certificate = max(held, key=lambda c: c.expires_on, default=None)
    return render(
        request,
        "providers/assessor_list.html",
        {"form": form, "page": page, "can_manage": _can_manage_assessors(request.user)},
    )


@staff_view
@require_http_methods(["GET", "POST"])
def assessor_new(request):
    require(request.user, Right.ASSESSORS_MANAGE)
    form = forms.AssessorForm(posted(request), user=request.user)

    def save(form):
        assessor = services.assessor_register(actor=request.user, data=form.to_input())
        messages.success(request, f"已登记评估人员：{assessor.name}")
        return redirect("providers:assessor_detail", pk=assessor.pk)

    field_map = {"institution_id": "institution", "user_id": "user"}
    return form_page(
        request,
        "providers/assessor_form.html",
        form,
        save,
        field_map=field_map,
        context={"title": "登记评估人员"},
    )


def _assessor(request, pk):
    return selectors.assessor_get(fetched_by=request.user, assessor_id=pk)


@staff_view
@require_http_methods(["GET", "POST"])
def assessor_edit(request, pk: int):
    require(request.user, Right.ASSESSORS_MANAGE)
    assessor = _assessor(request, pk)
    initial = {
        "phone": assessor.phone,
        "profession": assessor.profession,
        "title": assessor.title,
        "user": assessor.user_id,
        "version": assessor.version,
    }
    form = forms.AssessorEditForm(posted(request), initial=initial, assessor=assessor)

    def save(form):
        d = form.cleaned_data
        services.assessor_update(
            actor=request.user,
            assessor_id=assessor.pk,
            phone=d.get("phone", ""),
            profession=d.get("profession", ""),
            title=d.get("title", ""),
            user_id=d.get("user") or None,
            expected_version=d.get("version"),
        )
        messages.success(request, "已保存")
        return redirect("providers:assessor_detail", pk=assessor.pk)

    return form_page(
        request,
        "providers/assessor_form.html",
        form,
        save,
        field_map={"user_id": "user"},
        context={"title": f"修改评估人员：{assessor.name}", "assessor": assessor},
    )


def _render_assessor(request, assessor, *, bound=None, status=200):
    bound = bound or {}
    today = clock.today()
    certificates = list(assessor.certificates.all())
    for certificate in certificates:
        certificate.state = rules.certificate_state(
            certificate.issued_on, certificate.expires_on, today
        )
    trainings = list(assessor.trainings.all())
    qualified, reason = services.assessor_qualification(assessor, today)
    return render(
        request,
        "providers/assessor_detail.html",
        {
            "assessor": assessor,
            "certificates": certificates,
            "trainings": trainings,
            "training_hours": sum(t.hours for t in trainings),
            "qualified": qualified,
            "qualification_reason": reason,
            "can_manage": _can_manage_assessors(request.user),
            "certificate_form": bound.get("certificate") or forms.AssessorCertificateForm(),
            "training_form": bound.get("training") or forms.TrainingForm(),
            "status_form": bound.get("status") or forms.AssessorStatusForm(),
        },
        status=status,
    )


@staff_view
@require_GET
def assessor_detail(request, pk: int):
    return _render_assessor(request, _assessor(request, pk))


ASSESSOR_FORMS = {
    "certificate": forms.AssessorCertificateForm,
    "training": forms.TrainingForm,
    "status": forms.AssessorStatusForm,
}


@staff_view
@require_POST
def assessor_action(request, pk: int, action: str):
    assessor = _assessor(request, pk)
    form_class = ASSESSOR_FORMS.get(action)
    if form_class is None:
        return redirect("providers:assessor_detail", pk=pk)

    def save(form):
        if action == "certificate":
            services.assessor_certificate_add(
                actor=request.user, assessor_id=pk, data=form.to_input()
            )
        elif action == "training":
            services.assessor_training_add(actor=request.user, assessor_id=pk, **form.cleaned_data)
        else:
            services.assessor_set_status(actor=request.user, assessor_id=pk, **form.cleaned_data)
        messages.success(request, "已保存")
        return redirect("providers:assessor_detail", pk=pk)

    form = form_class(request.POST)
    response, status = submit(form, save)
    return response or _render_assessor(request, assessor, bound={action: form}, status=status)
