"""Staff pages of supervision: tasks and their samples, the inspector's phone page, rectification
notices (with the PDF notice), appeals; each list exports to Excel (``?export=xlsx``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changhu.core import audit
from changhu.core.downloads import XLSX, file_response
from changhu.core.errors import Conflict, ValidationFailed
from changhu.core.pdf import PdfRenderError, render_pdf
from changhu.core.scope import require, scope_of
from changhu.orgs.roles import Right
from changhu.supervision import exports, forms, selectors, services
from changhu.supervision.models import AppealStatus, RectificationStatus, TargetStatus
from changhu.web.pages import FORM_ERRORS, form_page, paginate, posted, submit
from changhu.web.shortcuts import staff_view

PHONE_PAGE_SIZE = 30


def _wants_export(request) -> bool:
    return request.GET.get("export") == "xlsx"


def _xlsx(actor, what: str, headers, rows, filename: str):
    content = exports.workbook(actor=actor, what=what, headers=headers, rows=rows)
    return file_response(content, filename, XLSX)


def _filters(form) -> dict:
    return form.cleaned_data if form.is_valid() else {}


# --- tasks ----------------------------------------------------------------------------------


@staff_view
@require_GET
def task_list(request):
    s = require(request.user, Right.SUPERVISION_VIEW)
    form = forms.TaskFilterForm(request.GET or None)
    chosen = _filters(form)
    tasks = selectors.task_list(
        fetched_by=request.user,
        filters=selectors.TaskFilters(
            status=chosen.get("status", ""),
            kind=chosen.get("kind", ""),
            period=chosen.get("period", ""),
        ),
    )
    if _wants_export(request):
        return _xlsx(
            request.user,
            "检查任务",
            exports.TASK_HEADERS,
            exports.task_rows(tasks),
            "检查任务.xlsx",
        )
    return render(
        request,
        "supervision/task_list.html",
        {
            "form": form,
            "page": paginate(request, tasks),
            "can_plan": s.can(Right.SUPERVISION_PLAN),
            "can_inspect": s.can(Right.SUPERVISION_INSPECT),
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def task_new(request):
    require(request.user, Right.SUPERVISION_PLAN)
    form = forms.PlanForm(posted(request), user=request.user)

    def save(form):
        task = services.task_plan(actor=request.user, **form.cleaned_data)
        messages.success(request, f"已制定检查计划，抽取{task.targets.count()}个检查对象")
        return redirect("supervision:task_detail", pk=task.pk)

    return form_page(
        request,
        "supervision/task_new.html",
        form,
        save,
        context={"cancel_url": reverse("supervision:task_list")},
    )


@staff_view
@require_GET
def task_detail(request, pk: int):
    task = selectors.task_get(fetched_by=request.user, task_id=pk)
    targets = selectors.target_list(fetched_by=request.user, task_id=pk)
    if _wants_export(request):
        return _xlsx(
            request.user,
            "抽查对象",
            exports.TARGET_HEADERS,
            exports.target_rows(targets),
            f"抽查对象-{task.title}.xlsx",
        )
    s = scope_of(request.user)
    return render(
        request,
        "supervision/task_detail.html",
        {
            "task": task,
            "targets": targets,
            "can_cancel": s.can(Right.SUPERVISION_PLAN) and task.status == "planned",
            "can_inspect": s.can(Right.SUPERVISION_INSPECT),
            "cancel_form": forms.ReasonForm(),
        },
    )


@staff_view
@require_POST
def task_cancel(request, pk: int):
    selectors.task_get(fetched_by=request.user, task_id=pk)
    try:
        services.task_cancel(actor=request.user, task_id=pk, reason=request.POST.get("reason", ""))
        messages.success(request, "检查任务已取消")
    except FORM_ERRORS as exc:
        messages.error(request, exc.message)
    return redirect("supervision:task_detail", pk=pk)


@staff_view
@require_GET
def target_detail(request, pk: int):
    target = selectors.target_get(fetched_by=request.user, target_id=pk)
    return render(
        request,
        "supervision/target_detail.html",
        {"target": target, "title": f"检查结果 · {target}"},
    )


@staff_view
@require_GET
def photo(request, pk: int):
    found = selectors.photo_get(fetched_by=request.user, photo_id=pk)
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


# --- the inspector's phone page -------------------------------------------------------------


@staff_view
@require_GET
def inspect_list(request):
    require(request.user, Right.SUPERVISION_INSPECT)
    targets = selectors.target_list(fetched_by=request.user, pending=True)
    return render(
        request,
        "supervision/phone_list.html",
        {"page": paginate(request, targets, PHONE_PAGE_SIZE)},
    )


def _record_from(request, target) -> services.Record:
    answers = {}
    for item in target.checklist.items:
        value = request.POST.get(f"ok_{item['code']}")
        if value in ("1", "0"):
            answers[item["code"]] = services.Answer(
                ok=value == "1", note=request.POST.get(f"note_{item['code']}", "")
            )

    def number(name):
        try:
            return float(request.POST.get(name, ""))
        except ValueError:
            return None

    shas = [
        services.photo_upload(actor=request.user, upload=upload)[0].sha256
        for upload in request.FILES.getlist("photos")[: services.MAX_PHOTOS]
    ]
    return services.Record(
        answers=answers,
        latitude=number("latitude"),
        longitude=number("longitude"),
        accuracy_m=number("accuracy_m"),
        photo_sha256s=shas,
        summary=request.POST.get("summary", ""),
    )


@staff_view
@require_http_methods(["GET", "POST"])
def inspect_target(request, pk: int):
    require(request.user, Right.SUPERVISION_INSPECT)
    target = selectors.target_get(fetched_by=request.user, target_id=pk)
    error, status = None, 200
    if request.method == "POST":
        try:
            recorded = services.inspection_record(
                actor=request.user, target_id=pk, data=_record_from(request, target)
            )
        except (ValidationFailed, Conflict) as exc:
            error, status = exc, exc.status
        else:
            found = recorded.findings.count()
            messages.success(
                request,
                f"已登记{target}的检查结果"
                + (f"，发现问题{found}项，已下达整改通知" if found else "，未发现问题"),
            )
            return redirect("supervision:inspect_list")
    if target.status != TargetStatus.PENDING and error is None:
        return redirect("supervision:target_detail", pk=pk)
    items = [
        {
            **item,
            "answer": request.POST.get(f"ok_{item['code']}", ""),
            "note": request.POST.get(f"note_{item['code']}", ""),
        }
        for item in target.checklist.items
    ]
    return render(
        request,
        "supervision/phone_record.html",
        {"target": target, "items": items, "error": error, "posted": request.POST},
        status=status,
    )


# --- rectifications -------------------------------------------------------------------------


@staff_view
@require_GET
def rectification_list(request):
    s = require(request.user, Right.SUPERVISION_VIEW)
    data = request.GET.copy()
    if "status" not in data and not data.get("overdue"):
        data["status"] = "open" if s.can(Right.SUPERVISION_RESPOND) else ""
    form = forms.RectificationFilterForm(data)
    chosen = _filters(form)
    rows = selectors.rectification_list(
        fetched_by=request.user,
        filters=selectors.RectificationFilters(
            status=chosen.get("status", ""), overdue=bool(chosen.get("overdue"))
        ),
    )
    if _wants_export(request):
        return _xlsx(
            request.user,
            "整改通知",
            exports.RECTIFICATION_HEADERS,
            exports.rectification_rows(rows),
            "整改通知.xlsx",
        )
    return render(
        request,
        "supervision/rectification_list.html",
        {
            "form": form,
            "page": paginate(request, rows),
            "can_review": s.can(Right.SUPERVISION_REVIEW),
        },
    )


def _detail_context(request, rectification, **forms_given) -> dict:
    s = scope_of(request.user)
    status = rectification.status
    finding = rectification.finding
    return {
        "r": rectification,
        "finding": finding,
        "appeals": finding.appeals.select_related("decided_by").order_by("filed_at"),
        "can_answer": s.can(Right.SUPERVISION_RESPOND)
        and status in (RectificationStatus.PENDING, RectificationStatus.ESCALATED),
        "can_review": s.can(Right.SUPERVISION_REVIEW) and status == RectificationStatus.SUBMITTED,
        "can_appeal": s.can(Right.SUPERVISION_RESPOND)
        and finding.status == "open"
        and not finding.appeals.filter(status=AppealStatus.PENDING).exists(),
        "answer_url": reverse("supervision:rectification_answer", args=[rectification.pk]),
        "review_url": reverse("supervision:rectification_review", args=[rectification.pk]),
        "appeal_url": reverse("supervision:rectification_appeal", args=[rectification.pk]),
        "answer_form": forms_given.get("answer_form") or forms.AnswerForm(),
        "review_form": forms_given.get("review_form") or forms.ReviewForm(),
        "appeal_form": forms_given.get("appeal_form") or forms.AppealForm(),
    }


@staff_view
@require_GET
def rectification_detail(request, pk: int):
    rectification = selectors.rectification_get(fetched_by=request.user, rectification_id=pk)
    return render(
        request, "supervision/rectification_detail.html", _detail_context(request, rectification)
    )


def _rectification_form(request, pk: int, form, name: str, save):
    rectification = selectors.rectification_get(fetched_by=request.user, rectification_id=pk)
    response, status = submit(form, save)
    if response is not None:
        return response
    context = _detail_context(request, rectification, **{name: form})
    return render(request, "supervision/rectification_detail.html", context, status=status)


@staff_view
@require_POST
def rectification_answer(request, pk: int):
    def save(form):
        services.rectification_answer(
            actor=request.user,
            rectification_id=pk,
            text=form.cleaned_data["text"],
            files=form.cleaned_data["files"],
        )
        messages.success(request, "整改情况已提交，等待复查")
        return redirect("supervision:rectification_detail", pk=pk)

    form = forms.AnswerForm(request.POST, request.FILES)
    return _rectification_form(request, pk, form, "answer_form", save)


@staff_view
@require_POST
def rectification_review(request, pk: int):
    def save(form):
        decision = form.cleaned_data["decision"]
        services.rectification_review(
            actor=request.user,
            rectification_id=pk,
            decision=decision,
            reason=form.cleaned_data["reason"],
            working_days=form.cleaned_data["working_days"],
        )
        messages.success(request, "复查通过，已销号" if decision == "accept" else "已退回重新整改")
        return redirect("supervision:rectification_detail", pk=pk)

    return _rectification_form(request, pk, forms.ReviewForm(request.POST), "review_form", save)


@staff_view
@require_POST
def rectification_appeal(request, pk: int):
    def save(form):
        rectification = selectors.rectification_get(fetched_by=request.user, rectification_id=pk)
        services.appeal_file(
            actor=request.user,
            inspection_finding_id=rectification.finding_id,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, "申诉已提交，将由其他监管人员裁决")
        return redirect("supervision:rectification_detail", pk=pk)

    return _rectification_form(request, pk, forms.AppealForm(request.POST), "appeal_form", save)


@staff_view
@require_GET
def rectification_notice(request, pk: int):
    """整改通知书 as a PDF (the same facts as the page, for printing and stamping)."""
    rectification = selectors.rectification_get(fetched_by=request.user, rectification_id=pk)
    try:
        content = render_pdf(
            "supervision/notice_pdf.html",
            {
                "title": "长期护理保险整改通知书",
                "r": rectification,
                "finding": rectification.finding,
            },
        )
    except (ImproperlyConfigured, PdfRenderError):
        messages.error(request, "暂时无法生成PDF，请稍后再试或使用本页打印")
        return redirect("supervision:rectification_detail", pk=pk)
    audit.record(
        action="export", obj=rectification, user=request.user, note="下载整改通知书（PDF）"
    )
    return file_response(
        content, f"整改通知书-{rectification.notice_number}.pdf", "application/pdf"
    )


@staff_view
@require_GET
def evidence(request, pk: int):
    found = selectors.evidence_get(fetched_by=request.user, evidence_id=pk)
    content = found.file.read()
    return file_response(content, found.name, found.content_type)


@staff_view
@require_POST
def escalate(request):
    done = services.escalate_overdue(actor=request.user)
    if done:
        messages.success(request, f"已对{len(done)}份逾期未整改的通知逾期督办")
    else:
        messages.info(request, "没有需要督办的逾期通知")
    return redirect(reverse("supervision:rectification_list") + "?status=escalated")


# --- appeals --------------------------------------------------------------------------------


@staff_view
@require_GET
def appeal_list(request):
    s = require(request.user, Right.SUPERVISION_VIEW)
    form = forms.AppealFilterForm(request.GET or None)
    rows = selectors.appeal_list(fetched_by=request.user, status=_filters(form).get("status", ""))
    if _wants_export(request):
        return _xlsx(
            request.user, "申诉", exports.APPEAL_HEADERS, exports.appeal_rows(rows), "申诉.xlsx"
        )
    screening = (
        selectors.screening_findings_open(fetched_by=request.user)[:20]
        if s.can(Right.SUPERVISION_RESPOND)
        else []
    )
    return render(
        request,
        "supervision/appeal_list.html",
        {"form": form, "page": paginate(request, rows), "screening": screening},
    )


@staff_view
@require_http_methods(["GET", "POST"])
def appeal_new(request, finding_pk: int):
    """An institution appeals a screening finding (the visits app's 稽核发现)."""
    require(request.user, Right.SUPERVISION_RESPOND)
    finding = selectors.screening_finding_get(fetched_by=request.user, finding_id=finding_pk)

    def save(form):
        services.appeal_file(
            actor=request.user, screening_finding_id=finding.pk, reason=form.cleaned_data["reason"]
        )
        messages.success(request, "申诉已提交，将由其他监管人员裁决")
        return redirect("supervision:appeal_list")

    return form_page(
        request,
        "supervision/appeal_new.html",
        forms.AppealForm(posted(request)),
        save,
        context={"finding": finding, "cancel_url": reverse("supervision:appeal_list")},
    )


@staff_view
@require_http_methods(["GET", "POST"])
def appeal_detail(request, pk: int):
    appeal = selectors.appeal_get(fetched_by=request.user, appeal_id=pk)
    can_decide = (
        scope_of(request.user).can(Right.SUPERVISION_REVIEW)
        and appeal.status == AppealStatus.PENDING
    )
    form = forms.AppealDecideForm(posted(request))

    def save(form):
        services.appeal_decide(actor=request.user, appeal_id=pk, **form.cleaned_data)
        messages.success(request, "已裁决")
        return redirect("supervision:appeal_detail", pk=pk)

    rectification = None
    if appeal.inspection_finding_id:
        rectification = getattr(appeal.inspection_finding, "rectification", None)
    return form_page(
        request,
        "supervision/appeal_detail.html",
        form,
        save,
        context={"appeal": appeal, "can_decide": can_decide, "rectification": rectification},
    )
