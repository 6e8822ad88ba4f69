"""Staff pages of the insured register: thin views over the services and scoped selectors."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changhu.core.errors import NotFound
from changhu.core.scope import require, scope_of
from changhu.insured import selectors, services
from changhu.insured.forms import (
    HospitalStayCloseForm,
    LifeEventFilterForm,
    LifeEventForm,
    PersonFilterForm,
    PersonForm,
    street_choices,
)
from changhu.insured.models import LifeEventKind
from changhu.orgs import selectors as org_selectors
from changhu.orgs.roles import Right
from changhu.web.pages import FORM_ERRORS, detail_url, form_page, paginate, posted, submit
from changhu.web.shortcuts import staff_view

AUDIT_PAGE_SIZE = 50
REVEAL_LABELS = {"id_number": "身份证号码", "phone": "联系电话", "address": "居住地址"}


_detail_url = partial(detail_url, "insured:person_detail")


@staff_view
@require_GET
def person_list(request):
    require(request.user, Right.INSURED_VIEW)
    form = PersonFilterForm(request.GET, user=request.user)
    persons = selectors.with_active_groups(form.queryset().select_related("region__parent"))
    return render(
        request,
        "insured/person_list.html",
        {
            "form": form,
            "page": paginate(request, persons),
            "can_create": scope_of(request.user).can(Right.INSURED_CREATE),
        },
    )


def _render_detail(request, person, *, event_form=None, close_errors=None, status=200):
    scope = scope_of(request.user)
    close_errors = close_errors or {}
    events = list(person.life_events.all())
    for event in events:
        event.close_error = close_errors.get(event.pk, "")
    return render(
        request,
        "insured/person_detail.html",
        {
            "person": person,
            "scope": scope,
            "can_reveal": scope.can(Right.INSURED_VIEW_FULL),
            "can_edit": scope.can(Right.INSURED_UPDATE),
            "can_audit": scope.can(Right.INSURED_AUDIT),
            "can_record": scope.can(Right.INSURED_LIFE_EVENT),
            "special_groups": list(person.special_groups.all()),
            "enrolments": list(person.enrolments.all()),
            "life_events": events,
            "has_open_stay": any(
                e.kind == LifeEventKind.HOSPITAL_STAY and e.end_date is None for e in events
            ),
            "event_form": event_form or LifeEventForm(),
        },
        status=status,
    )


@staff_view
@require_GET
def person_detail(request, pk: int):
    person = selectors.person_get(fetched_by=request.user, person_id=pk)
    return _render_detail(request, person)


@staff_view
@require_http_methods(["GET", "POST"])
def person_create(request):
    require(request.user, Right.INSURED_CREATE)
    form = PersonForm(posted(request), user=request.user)

    def save(form):
        person = services.person_create(actor=request.user, data=form.to_input())
        messages.success(request, f"已登记参保人：{person.name}")
        return redirect(_detail_url(person.pk))

    return _person_form(request, form, save, person=None)


@staff_view
@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int):
    # Fetch first: a person outside the scope is a 404 whatever the user's rights.
    person = selectors.person_get(fetched_by=request.user, person_id=pk)
    require(request.user, Right.INSURED_UPDATE)
    form = PersonForm(posted(request), user=request.user, person=person)

    def save(form):
        services.person_update(
            actor=request.user,
            person_id=person.pk,
            data=form.to_input(),
            expected_version=form.cleaned_data.get("version"),
        )
        messages.success(request, f"已保存参保人信息：{form.cleaned_data['name']}")
        return redirect(_detail_url(person.pk))

    return _person_form(request, form, save, person=person)


def _person_form(request, form, save, *, person):
    template = "insured/person_form.html"
    context = {"person": person}
    return form_page(request, template, form, save, context=context, field_map=PersonForm.field_map)


@never_cache
@staff_view
@require_POST
def person_reveal(request, pk: int):
    """The clear value of one field, swapped into the detail page; the service audits it."""
    field = request.POST.get("field", "id_number")
    values = services.person_reveal(actor=request.user, person_id=pk, fields=(field,))
    return render(
        request,
        "insured/_revealed.html",
        {"field": field, "label": REVEAL_LABELS.get(field, field), "value": values[field]},
    )


@staff_view
@require_GET
def person_audit(request, pk: int):
    person = selectors.person_get(fetched_by=request.user, person_id=pk)
    entries = selectors.person_audit_trail(fetched_by=request.user, person_id=person.pk)
    return render(
        request,
        "insured/person_audit.html",
        {"person": person, "page": paginate(request, entries, AUDIT_PAGE_SIZE)},
    )


@staff_view
@require_POST
def life_event_create(request, pk: int):
    person = selectors.person_get(fetched_by=request.user, person_id=pk)

    def save(form):
        event = services.person_record_life_event(
            actor=request.user, person_id=person.pk, data=form.to_input()
        )
        messages.success(request, f"已登记{event.get_kind_display()}：{person.name}")
        return redirect(_detail_url(person.pk, "life-events"))

    form = LifeEventForm(request.POST)
    response, status = submit(form, save)
    return response or _render_detail(request, person, event_form=form, status=status)


@staff_view
@require_POST
def hospital_stay_close(request, pk: int):
    event = selectors.life_event_get(fetched_by=request.user, event_id=pk)
    if event is None:
        raise NotFound()
    form = HospitalStayCloseForm(request.POST)
    form.is_valid()
    try:
        services.hospital_stay_close(
            actor=request.user, event_id=event.pk, end_date=form.cleaned_data.get("end_date")
        )
    except FORM_ERRORS as exc:
        person = selectors.person_get(fetched_by=request.user, person_id=event.person_id)
        message = exc.fields.get("end_date") or exc.message
        return _render_detail(request, person, close_errors={event.pk: message}, status=exc.status)
    messages.success(request, "已登记出院")
    return redirect(_detail_url(event.person_id, "life-events"))


@staff_view
@require_GET
def life_event_list(request):
    require(request.user, Right.INSURED_LIFE_EVENT)
    form = LifeEventFilterForm(request.GET, user=request.user)
    return render(
        request,
        "insured/life_event_list.html",
        {"form": form, "page": paginate(request, form.queryset())},
    )


@staff_view
@require_GET
def street_options(request):
    """The street <option>s of a district, for the person form's htmx reload."""
    district = (request.GET.get("district") or "").strip()
    streets = (
        org_selectors.streets_in_scope(user=request.user, district_code=district)
        if district
        else []
    )
    return render(
        request,
        "insured/_street_options.html",
        {"choices": street_choices(streets, district_chosen=bool(district))},
    )
