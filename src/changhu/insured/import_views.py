"""Staff pages for bulk import: list, upload, preview with errors, commit, discard, downloads."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from changhu.core.errors import DomainError
from changhu.core.scope import require, scope_of
from changhu.insured import imports
from changhu.insured.models import ImportBatch
from changhu.orgs.roles import Right
from changhu.web.forms import StaffForm
from changhu.web.pages import attachment, import_decisions, paginate, upload_page
from changhu.web.shortcuts import staff_view

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


class ImportFilterForm(StaffForm):
    kind = forms.ChoiceField(
        label="导入内容", required=False, choices=[("", "全部"), *ImportBatch.Kind.choices]
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *ImportBatch.Status.choices]
    )


@staff_view
@require_GET
def import_list(request):
    form = ImportFilterForm(request.GET)
    form.is_valid()  # an unknown value is ignored, as on every list
    data = form.cleaned_data
    batches = imports.batch_list(
        fetched_by=request.user, kind=data.get("kind", ""), status=data.get("status", "")
    )
    return render(
        request,
        "insured/import_list.html",
        {
            "form": form,
            "page": paginate(request, batches),
            "can_import": scope_of(request.user).can(Right.INSURED_IMPORT),
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def import_new(request):
    require(request.user, Right.INSURED_IMPORT)
    return upload_page(
        request,
        "insured/import_new.html",
        UploadForm,
        lambda data, upload: imports.import_upload(
            actor=request.user, kind=data["kind"], upload=upload, file_name=upload.name
        ),
        detail="imports:import_detail",
        context={
            "max_rows": ImportBatch.MAX_ROWS,
            "cancel_url": reverse("imports:import_list"),
            "templates_title": "导入模板",
        },
    )


@staff_view
@require_GET
def import_detail(request, pk: int):
    batch = imports.batch_get(fetched_by=request.user, batch_id=pk)
    errors = paginate(request, batch.errors, ERRORS_PAGE_SIZE)
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


import_commit, import_discard = import_decisions(imports.PIPELINE, detail="imports:import_detail")


@staff_view
@require_GET
def import_errors(request, pk: int):
    content, name = imports.error_report(fetched_by=request.user, batch_id=pk)
    return attachment(content, name, imports.XLSX_TYPE)


@staff_view
@require_GET
def import_template(request, kind: str, file_format: str):
    try:
        content, name, media_type = imports.template_file(kind=kind, file_format=file_format)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("imports:import_new")
    return attachment(content, name, media_type)
