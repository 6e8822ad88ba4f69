"""What the staff views share beyond signing in (shortcuts.py): a page of a list, a form posted
and saved or shown again with its errors, a file to download."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from changhu.core.errors import Conflict, ValidationFailed
from changhu.core.imports import pages as import_pages
from changhu.web.shortcuts import add_domain_error, staff_view

PAGE_SIZE = 20
# The domain errors a form shows next to its fields; any other becomes an error page.
FORM_ERRORS = (ValidationFailed, Conflict)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def paginate(request, rows, size: int = PAGE_SIZE) -> Page:
    """The page of ``rows`` that ``?page=`` asks for; a page out of range is the last."""
    return Paginator(rows, size).get_page(request.GET.get("page"))


def posted(request):
    """The form data of a POST, or None: ``Form(posted(request))`` is bound only when posted."""
    return request.POST if request.method == "POST" else None


def submit(
    form,
    save: Callable,
    *,
    field_map: Mapping[str, str] | Callable | None = None,
    default_field: str | None = None,
    errors: tuple[type[Exception], ...] = FORM_ERRORS,
) -> tuple[HttpResponse | None, int]:
    """Validate a bound form and run ``save(form)``.

    Returns save's response (a redirect), or None with the status of the page that shows the
    form again: 422 when it does not validate, the refused operation's own status when the
    service raised one of ``errors`` (put next to the fields, see ``add_domain_error``;
    ``field_map`` may be a function of the validated form).
    """
    if not form.is_valid():
        return None, 422
    try:
        return save(form), 200
    except errors as exc:
        names = field_map(form) if callable(field_map) else field_map
        add_domain_error(form, exc, names, default_field)
        return None, exc.status


def form_page(
    request,
    template: str,
    form,
    save: Callable,
    *,
    context: Mapping | None = None,
    field_map: Mapping[str, str] | Callable | None = None,
    default_field: str | None = None,
    errors: tuple[type[Exception], ...] = FORM_ERRORS,
) -> HttpResponse:
    """The page of one form: empty on GET; posted, saved by ``save(form)`` (which answers with
    a redirect) or drawn again with its errors."""
    status = 200
    if form.is_bound:
        response, status = submit(
            form, save, field_map=field_map, default_field=default_field, errors=errors
        )
        if response is not None:
            return response
    return render(request, template, {"form": form, **(context or {})}, status=status)


def upload_page(
    request,
    template: str,
    form_class,
    upload: Callable,
    *,
    detail: str,
    context: Mapping | None = None,
    default_field: str | None = "file",
) -> HttpResponse:
    """The upload page of a spreadsheet import: a valid POST hands the form's values and the
    file to ``upload(data, file)``, which stores a batch to preview, then goes to the batch's
    page (URL name ``detail``); a refused file shows at ``default_field``."""
    form = form_class(posted(request), request.FILES or None)

    def save(form):
        batch = upload(form.cleaned_data, form.cleaned_data["file"])
        return redirect(detail, pk=batch.pk)

    return form_page(
        request,
        template,
        form,
        save,
        context=context,
        default_field=default_field,
        errors=(ValidationFailed,),
    )


def import_decisions(pipeline, *, detail: str) -> tuple[Callable, Callable]:
    """The commit and discard views (POST from the batch's page) of an app's spreadsheet
    imports through ``pipeline``; each goes back to the batch's page (URL name ``detail``)."""

    @staff_view
    @require_POST
    def import_commit(request, pk: int):
        return import_pages.commit(request, pipeline, pk, detail=detail)

    @staff_view
    @require_POST
    def import_discard(request, pk: int):
        return import_pages.discard(request, pipeline, pk, detail=detail)

    return import_commit, import_discard


def act(request, call: Callable, said, then: HttpResponse, *, level=messages.success):
    """A button's POST: ``call()`` the service; a refusal (one of ``FORM_ERRORS``) shows as an
    error message, otherwise ``said`` (a text, or a function of what ``call`` returned) as a
    message of ``level``; then ``then`` (a redirect)."""
    try:
        result = call()
    except FORM_ERRORS as exc:
        messages.error(request, exc.message)
    else:
        level(request, said(result) if callable(said) else said)
    return then


def detail_url(view_name: str, pk: int, anchor: str = "") -> str:
    """The URL of a detail page, at one of its sections when ``anchor`` names it."""
    url = reverse(view_name, args=[pk])
    return f"{url}#{anchor}" if anchor else url


def attachment(content: bytes, name: str, media_type: str = XLSX) -> HttpResponse:
    """A file to download under ``name``."""
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
