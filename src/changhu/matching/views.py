"""Staff pages of data matching: lists (upload, preview, commit, the report), the review queue
and a match's page (confirm or reject), recovery proposals. Views call selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changhu.core.downloads import XLSX, file_response
from changhu.core.errors import DomainError
from changhu.core.scope import require, scope_of
from changhu.matching import exports, selectors, services
from changhu.matching.forms import BatchFilterForm, ReasonForm, RecordFilterForm, UploadForm
from changhu.matching.imports import PIPELINE
from changhu.matching.models import MatchBatch, MatchStatus, RecoveryStatus
from changhu.orgs.roles import Right
from changhu.web.pages import act, paginate, upload_page
from changhu.web.shortcuts import staff_view

ERRORS_PAGE_SIZE = 100


def _filters(form) -> dict:
    form.is_valid()  # an unknown value is ignored, as on every list
    return form.cleaned_data


@staff_view
@require_GET
def batch_list(request):
    form = BatchFilterForm(request.GET)
    data = _filters(form)
    batches = selectors.batch_list(
        fetched_by=request.user, kind=data.get("kind", ""), status=data.get("status", "")
    )
    s = scope_of(request.user)
    return render(
        request,
        "matching/batch_list.html",
        {
            "form": form,
            "page": paginate(request, batches),
            "can_import": s.can(Right.MATCH_IMPORT),
            "pending": selectors.pending_count(request.user),
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def batch_new(request):
    require(request.user, Right.MATCH_IMPORT)
    return upload_page(
        request,
        "matching/batch_new.html",
        UploadForm,
        lambda data, upload: services.list_upload(
            actor=request.user,
            kind=data["kind"],
            source=data["source"],
            upload=upload,
            file_name=upload.name,
        ),
        detail="matching:batch_detail",
        context={"cancel_url": reverse("matching:batch_list"), "templates_title": "名单模板"},
    )


@staff_view
@require_GET
def batch_template(request, kind: str, file_format: str):
    try:
        content, name, media_type = PIPELINE.template(kind=kind, file_format=file_format)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("matching:batch_new")
    return file_response(content, name, media_type)


@staff_view
@require_GET
def batch_detail(request, pk: int):
    batch = selectors.batch_get(fetched_by=request.user, batch_id=pk)
    records = list(selectors.record_list(fetched_by=request.user, batch_id=batch.pk))
    return render(
        request,
        "matching/batch_detail.html",
        {
            "batch": batch,
            "matched": [r for r in records if r.status != MatchStatus.UNMATCHED],
            "unmatched": [r for r in records if r.status == MatchStatus.UNMATCHED],
            "errors": paginate(request, batch.errors, ERRORS_PAGE_SIZE),
            "errors_omitted": batch.error_count - len(batch.errors),
            "can_decide": PIPELINE.can_decide(user=request.user, batch=batch),
            "decided": batch.status == MatchBatch.Status.COMMITTED,
        },
    )


@staff_view
@require_POST
def batch_commit(request, pk: int):
    return act(
        request,
        lambda: services.list_commit(actor=request.user, batch_id=pk),
        lambda batch: (
            f"比对完成：匹配{batch.matched_rows}行，未匹配{batch.unmatched_rows}行，"
            f"格式错误{batch.error_rows}行"
        ),
        redirect("matching:batch_detail", pk=pk),
    )


@staff_view
@require_POST
def batch_discard(request, pk: int):
    return act(
        request,
        lambda: services.list_discard(actor=request.user, batch_id=pk),
        "已放弃该名单，上传的文件已删除",
        redirect("matching:batch_detail", pk=pk),
        level=messages.info,
    )


@staff_view
@require_GET
def batch_report(request, pk: int):
    content, name = exports.batch_report(fetched_by=request.user, batch_id=pk)
    return file_response(content, name, XLSX)


@staff_view
@require_GET
def record_list(request):
    params = request.GET.copy()
    if "status" not in params:
        params["status"] = MatchStatus.PENDING  # the queue, unless asked otherwise
    form = RecordFilterForm(params)
    data = _filters(form)
    records = selectors.record_list(
        fetched_by=request.user,
        status=data.get("status", ""),
        kind=data.get("kind", ""),
        name_mismatch=True if data.get("name_mismatch") else None,
    )
    return render(
        request,
        "matching/record_list.html",
        {"form": form, "page": paginate(request, records)},
    )


def _record_page(request, pk: int, *, reject_form=None, status: int = 200):
    record = selectors.record_get(fetched_by=request.user, record_id=pk)
    s = scope_of(request.user)
    return render(
        request,
        "matching/record_detail.html",
        {
            "record": record,
            "recoveries": selectors.recovery_list(fetched_by=request.user, match_id=record.pk),
            "can_review": s.can(Right.MATCH_REVIEW) and record.status == MatchStatus.PENDING,
            "can_adjust": s.can(Right.SETTLEMENT_ADJUST),
            "reject_form": reject_form or ReasonForm(),
            "dismiss_form": ReasonForm(),
        },
        status=status,
    )


@staff_view
@require_GET
def record_detail(request, pk: int):
    return _record_page(request, pk)


@staff_view
@require_POST
def record_confirm(request, pk: int):
    def said(record) -> str:
        proposals = record.recoveries.count()
        note = f"，身故后已支付的待遇生成了{proposals}条追回建议" if proposals else ""
        return f"已确认并登记{record.life_event.get_kind_display()}{note}"

    return act(
        request,
        lambda: services.match_confirm(actor=request.user, record_id=pk),
        said,
        redirect("matching:record_detail", pk=pk),
    )


@staff_view
@require_POST
def record_reject(request, pk: int):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _record_page(request, pk, reject_form=form, status=422)
    return act(
        request,
        lambda: services.match_reject(
            actor=request.user, record_id=pk, reason=form.cleaned_data["reason"]
        ),
        "已排除该比对结果",
        redirect("matching:record_detail", pk=pk),
        level=messages.info,
    )


@staff_view
@require_GET
def recovery_list(request):
    status = request.GET.get("status", "")
    if status not in RecoveryStatus.values:
        status = ""
    proposals = selectors.recovery_list(fetched_by=request.user, status=status)
    return render(
        request,
        "matching/recovery_list.html",
        {
            "page": paginate(request, proposals),
            "status": status,
            "statuses": RecoveryStatus.choices,
            "can_adjust": scope_of(request.user).can(Right.SETTLEMENT_ADJUST),
        },
    )


def _back(request, proposal) -> HttpResponse:
    """Back to the recoveries list when the action came from there, else to the match."""
    if request.POST.get("next", "") == "list":
        return redirect("matching:recovery_list")
    return redirect("matching:record_detail", pk=proposal.match_id)


@staff_view
@require_POST
def recovery_apply(request, pk: int):
    proposal = selectors.recovery_get(fetched_by=request.user, proposal_id=pk)
    return act(
        request,
        lambda: services.recovery_apply(actor=request.user, proposal_id=pk),
        "已在下一期结算中生成追回明细",
        _back(request, proposal),
    )


@staff_view
@require_POST
def recovery_dismiss(request, pk: int):
    proposal = selectors.recovery_get(fetched_by=request.user, proposal_id=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写不予追回的原因")
        return _back(request, proposal)
    return act(
        request,
        lambda: services.recovery_dismiss(
            actor=request.user, proposal_id=pk, reason=form.cleaned_data["reason"]
        ),
        "已记录不予追回",
        _back(request, proposal),
        level=messages.info,
    )
