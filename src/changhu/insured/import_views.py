"""Staff pages for bulk import: list, upload, preview with errors, commit, discard, downloads."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changhu.core.errors import DomainError, ValidationFailed
from changhu.core.imports import pages
from changhu.core.scope import require, scope_of
from changhu.insured import imports
from changhu.insured.models import ImportBatch
from changhu.orgs.roles import Right
from changhu.web.forms import StaffForm
from changhu.web.shortcuts import staff_view

PAGE_SIZE = 20
ERRORS_PAGE_SIZE = 100


class UploadForm(StaffForm):
    kind = forms.ChoiceField(
        label="导入内容",
        choices=ImportBatch.Kind.choices,
        initial=ImportBatch.Kind.PERSONS,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "请选择导入内容", "invalid_choice": "请选择导入内容"},
    )
    file = forms.FileField(
        label="文件",
        help_text=f"Excel（.xlsx）或 CSV（UTF-8 / GB18030），不超过"
        f"{ImportBatch.MAX_FILE_BYTES // (1024 * 1024)}MB、{ImportBatch.MAX_ROWS:,}行",
        error_messages={"required": "请选择要上传的文件", "empty": "文件是空的"},
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt"}),
    )


def _attachment(content: bytes, name: str, media_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@staff_view
@require_GET
def import_list(request):
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    batches = imports.batch_list(fetched_by=request.user, kind=kind, status=status)
    return render(
        request,
        "insured/import_list.html",
        {
            "page": Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page")),
            "kinds": ImportBatch.Kind.choices,
            "statuses": ImportBatch.Status.choices,
            "kind": kind,
            "status": status,
            "can_import": scope_of(request.user).can(Right.INSURED_IMPORT),
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def import_new(request):
    require(request.user, Right.INSURED_IMPORT)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = imports.import_upload(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                upload=upload,
                file_name=upload.name,
            )
        except ValidationFailed as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("imports:import_detail", pk=batch.pk)
    return render(
        request,
        "insured/import_new.html",
        {"form": form, "max_rows": ImportBatch.MAX_ROWS},
        status=422 if form.errors else 200,
    )


@staff_view
@require_GET
def import_detail(request, pk: int):
    batch = imports.batch_get(fetched_by=request.user, batch_id=pk)
    errors = Paginator(batch.errors, ERRORS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "insured/import_detail.html",
        {
            "batch": batch,
            "page": errors,
            "errors_omitted": batch.error_count - len(batch.errors),
            "can_decide": imports.batch_can_decide(user=request.user, batch=batch),
            "modes": ImportBatch.Mode,
        },
    )


@staff_view
@require_POST
def import_commit(request, pk: int):
    return pages.commit(request, imports.PIPELINE, pk, detail="imports:import_detail")


@staff_view
@require_POST
def import_discard(request, pk: int):
    return pages.discard(request, imports.PIPELINE, pk, detail="imports:import_detail")


@staff_view
@require_GET
def import_errors(request, pk: int):
    content, name = imports.error_report(fetched_by=request.user, batch_id=pk)
    return _attachment(content, name, imports.XLSX_TYPE)


@staff_view
@require_GET
def import_template(request, kind: str, file_format: str):
    try:
        content, name, media_type = imports.template_file(kind=kind, file_format=file_format)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("imports:import_new")
    return _attachment(content, name, media_type)
