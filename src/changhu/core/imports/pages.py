"""The decisions on an import batch's page, the same for every app: commit or discard, the
outcome as a message, then back to the batch. Apps wrap them in their own staff views (rights,
URL names); refusals show as the message and change nothing."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from changhu.core.errors import Conflict, ValidationFailed
from changhu.core.imports.lifecycle import Pipeline


def commit(request, pipeline: Pipeline, pk: int, *, detail: str) -> HttpResponse:
    """POST ``mode``: write the batch (see :meth:`Pipeline.commit`)."""
    try:
        batch = pipeline.commit(actor=request.user, batch_id=pk, mode=request.POST.get("mode", ""))
    except (Conflict, ValidationFailed) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已导入{batch.imported_rows}行")
    return redirect(detail, pk=pk)


def discard(request, pipeline: Pipeline, pk: int, *, detail: str) -> HttpResponse:
    """POST: drop the batch and its stored upload."""
    try:
        pipeline.discard(actor=request.user, batch_id=pk)
    except (Conflict, ValidationFailed) as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, "已放弃本次导入，上传的文件已删除")
    return redirect(detail, pk=pk)
