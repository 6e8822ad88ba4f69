"""What every staff page shares: sign-in required, domain errors turned into proper pages."""

from __future__ import annotations

from collections.abc import Mapping
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import render

from changhu.core.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied
from changhu.web.errors import back_url


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def staff_view(view):
    """Sign-in required; NotFound renders the 404 page, PermissionDenied the 403 page.

    Any other domain error that a view did not turn into form errors itself becomes a page
    with its Chinese message and its own 4xx status, so a refused operation is never a 500.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from None
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from None
        except NotAuthenticated:
            return redirect_to_login(request.get_full_path())
        except DomainError as exc:
            template = "web/_error_fragment.html" if is_htmx(request) else "web/error.html"
            context = {"error": exc, "back_url": back_url(request)}
            return render(request, template, context, status=exc.status)

    return login_required(wrapper)


def add_domain_error(
    form,
    exc: DomainError,
    field_map: Mapping[str, str] | None = None,
    default_field: str | None = None,
) -> None:
    """Show a domain error on a Django form: each ``exc.fields`` entry next to its field.

    ``field_map`` renames service field names to form field names; without one, a service's
    ``institution_id`` lands on the form's ``institution``. Messages for fields the form does
    not show (absent or hidden) go to the top of the form, and so does an error without fields
    unless ``default_field`` names the field it is about (the file of an upload form).
    """
    field_map = field_map or {}
    placed = False
    for name, message in exc.fields.items():
        target = _form_field(form, field_map.get(name, name))
        if target is not None:
            form.add_error(target, message)
            placed = True
        else:
            form.add_error(None, message)
    if not placed and not exc.fields:
        form.add_error(default_field, exc.message)


def _form_field(form, name: str) -> str | None:
    """The visible form field a service field name stands for, if the form has one."""
    for candidate in (name, name.removesuffix("_id"), name.removesuffix("_ids")):
        field = form.fields.get(candidate)
        if field is not None and not field.widget.is_hidden:
            return candidate
    return None
