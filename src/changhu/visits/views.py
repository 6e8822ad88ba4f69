"""Staff pages: visits now and today, a visit's evidence, a caregiver's day, the findings queue,
screening runs with a progress bar, bed-days and the patrol list. The caregiver's PWA is in
``pwa``; a patrol's page, its follow-ups and the patroller's phone pages in ``patrol_views``."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changhu.core import clock
from changhu.core.errors import DomainError, ValidationFailed
from changhu.core.scope import require, scope_of
from changhu.orgs import selectors as org_selectors
from changhu.orgs.roles import Right
from changhu.providers import selectors as provider_selectors
from changhu.visits import forms, geo, home_position, rulesets, selectors, services
from changhu.visits.models import BedDayKind, FindingStatus, RunStatus
from changhu.visits.rules import RULE_LABELS
from changhu.web import pickers
from changhu.web.pages import FORM_ERRORS, form_page, paginate, posted
from changhu.web.shortcuts import is_htmx, staff_view

PAGE_SIZE = 30


def _filters(form) -> dict:
    """A filter form's values; one that does not parse is left out (the list is not filtered
    by it)."""
    form.is_valid()
    return form.cleaned_data


def _int(value) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


# --- monitoring -----------------------------------------------------------------------------


@staff_view
@require_GET
def monitor(request):
    """服务监管: visits in progress now and today, per district and institution."""
    require(request.user, Right.VISITS_VIEW)
    districts = {d.code: d.name for d in org_selectors.districts_in_scope(user=request.user)}
    institutions = (
        provider_selectors.institution_options(fetched_by=request.user)
        if scope_of(request.user).can(Right.PROVIDERS_VIEW)
        else []
    )
    form = forms.MonitorFilterForm(request.GET, districts=districts, institutions=institutions)
    chosen = _filters(form)
    day = chosen.get("date") or clock.today()
    filters = selectors.VisitFilters(
        day=day,
        district=chosen.get("district", "").strip(),
        institution_id=_int(chosen.get("institution")),
    )
    visits = selectors.visit_list(fetched_by=request.user, filters=filters)
    in_progress = selectors.visit_list(
        fetched_by=request.user, filters=dataclasses.replace(filters, in_progress=True)
    )
    by_district = selectors.visit_totals(fetched_by=request.user, day=day, by="district")
    for row in by_district:
        row["label"] = districts.get(row["key"], row["key"])
    return render(
        request,
        "visits/monitor.html",
        {
            "form": form,
            "day": day,
            "in_progress": in_progress[:50],
            "in_progress_count": in_progress.count(),
            "page": paginate(request, visits, PAGE_SIZE),
            "by_district": by_district,
            "by_institution": selectors.visit_totals(
                fetched_by=request.user, day=day, by="institution"
            ),
        },
    )


def _offset(origin, lat, lon, digits: int | None = None) -> dict:
    """Metres east and north of ``origin`` (latitude, longitude), for the scatter charts."""
    east, north = geo.offset_m(origin[0], origin[1], lat, lon)
    return {"east": round(east, digits), "north": round(north, digits)}


def _relative(visit) -> dict:
    """Positions of a visit in metres east/north of the person's home, for the scatter."""
    person = visit.person
    points = []
    if person.latitude is None or person.longitude is None:
        return {"home": False, "points": points}
    home = (float(person.latitude), float(person.longitude))
    for label, lat, lon, acc in (
        ("签到", visit.check_in_latitude, visit.check_in_longitude, visit.check_in_accuracy_m),
        ("签退", visit.check_out_latitude, visit.check_out_longitude, visit.check_out_accuracy_m),
    ):
        if lat is None:
            continue
        points.append({"label": label, **_offset(home, lat, lon, 1), "accuracy": acc})
    return {"home": True, "points": points}


@staff_view
@require_GET
def visit_detail(request, pk: int):
    visit = selectors.visit_get(fetched_by=request.user, visit_id=pk)
    s = scope_of(request.user)
    rules = rulesets.rules_on(visit.service_date)
    chart = _relative(visit)
    chart["radius"] = rules.geofence["radius_m"]
    return render(
        request,
        "visits/visit_detail.html",
        {
            "visit": visit,
            "chart": chart,
            "items": list(visit.items.all()),
            "findings": list(visit.findings.all()),
            "rule_labels": RULE_LABELS,
            "can_resolve": s.can(Right.VISITS_RESOLVE),
            "home_offer": _home_offer(request.user, visit),
            "can_cancel": visit.status == "in_progress"
            and s.organization_kind == "care"
            and s.can(Right.VISITS_CANCEL),
        },
    )


@staff_view
@require_POST
def visit_cancel(request, pk: int):
    """取消服务记录: the institution cancels a visit left open (confirmed in the page)."""
    try:
        services.visit_cancel(
            actor=request.user, visit_id=pk, reason=request.POST.get("reason", "")
        )
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已取消该服务记录，不予结算；护理员可以重新签到")
    return redirect("visits:visit_detail", pk=pk)


def _home_offer(user, visit):
    """The 以本次签到位置为住址坐标 offer, for an administrator, on a home without coordinates."""
    if visit.person.latitude is not None or not home_position.may_take(user):
        return None
    return home_position.offer(visit)


@staff_view
@require_POST
def home_position_take(request, pk: int):
    """以本次签到位置为住址坐标 (confirmed in the page first)."""
    person = home_position.take(actor=request.user, visit_id=pk)
    messages.success(
        request,
        f"已将本次签到位置设为{person.name}的住址坐标；今后签到将按此位置判定距离",
    )
    target = request.POST.get("next", "")
    if target == "queue":
        return redirect("visits:home_positions")
    return redirect("visits:visit_detail", pk=pk)


@staff_view
@require_GET
def home_positions(request):
    """待采用住址坐标: the newest confirmed visit of each beneficiary whose home has no
    coordinates, with whether its check-in position can be taken."""
    if not home_position.may_take(request.user):
        require(request.user, Right.VISITS_HOME_POSITION)
        raise Http404
    page = paginate(request, home_position.persons_awaiting(fetched_by=request.user), PAGE_SIZE)
    rows = [(v, home_position.offer(v)) for v in page.object_list]
    return render(request, "visits/home_positions.html", {"page": page, "rows": rows})


@staff_view
@require_GET
def caregiver_track(request):
    """护理员轨迹: a caregiver's visits of a day, in order, with positions and gaps."""
    require(request.user, Right.VISITS_VIEW)
    caregivers = (
        provider_selectors.caregiver_list(fetched_by=request.user)[:500]
        if scope_of(request.user).can(Right.PROVIDERS_VIEW)
        else []
    )
    caregiver_id = _int(request.GET.get("caregiver"))
    form = forms.TrackFilterForm(request.GET, caregivers=caregivers, chosen=caregiver_id)
    day = _filters(form).get("date") or clock.today()
    visits = (
        selectors.caregiver_day(fetched_by=request.user, caregiver_id=caregiver_id, day=day)
        if caregiver_id
        else []
    )
    track, previous = [], None
    origin = (visits[0].check_in_latitude, visits[0].check_in_longitude) if visits else None
    for v in visits:
        for kind, lat, lon, at in (
            ("签到", v.check_in_latitude, v.check_in_longitude, v.check_in_at),
            ("签退", v.check_out_latitude, v.check_out_longitude, v.check_out_at),
        ):
            if lat is None:
                continue
            label = f"{timezone.localtime(at):%H:%M} {kind} {v.person.name}"
            track.append({"label": label, **_offset(origin, lat, lon)})
        if previous is not None and previous.check_out_at and v.check_in_at:
            gap = (v.check_in_at - previous.check_out_at).total_seconds() / 60
            metres = geo.haversine_m(
                previous.check_out_latitude or previous.check_in_latitude,
                previous.check_out_longitude or previous.check_in_longitude,
                v.check_in_latitude,
                v.check_in_longitude,
            )
            v.gap_minutes, v.gap_metres = round(gap), round(metres)
        previous = v
    return render(
        request,
        "visits/track.html",
        {
            "form": form,
            "visits": visits,
            "chart": {"points": track},
        },
    )


@staff_view
@require_GET
def photo(request, pk: int):
    p = selectors.photo_get(fetched_by=request.user, photo_id=pk)
    try:
        handle = p.file.open("rb")
    except FileNotFoundError:
        raise Http404("照片文件不存在") from None
    response = FileResponse(handle, content_type=p.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- findings -------------------------------------------------------------------------------


@staff_view
@require_GET
def finding_list(request):
    require(request.user, Right.VISITS_VIEW)
    data = request.GET.copy()
    data.setdefault("status", FindingStatus.OPEN)
    form = forms.FindingFilterForm(data)
    chosen = _filters(form)
    status = chosen.get("status", "")
    filters = selectors.FindingFilters(
        status="" if status == "all" else status,
        rule_code=chosen.get("rule", ""),
        period=chosen.get("period", ""),
        severity=chosen.get("severity", ""),
        institution_id=_int(request.GET.get("institution")),
    )
    findings = selectors.finding_list(fetched_by=request.user, filters=filters)
    return render(
        request,
        "visits/finding_list.html",
        {
            "form": form,
            "page": paginate(request, findings, PAGE_SIZE),
            "rule_labels": RULE_LABELS,
            "can_resolve": scope_of(request.user).can(Right.VISITS_RESOLVE),
        },
    )


@staff_view
@require_POST
def finding_resolve(request, pk: int):
    decision = request.POST.get("decision", "")
    reason = request.POST.get("reason", "")
    error = None
    try:
        services.finding_resolve(
            actor=request.user, finding_id=pk, decision=decision, reason=reason
        )
    except FORM_ERRORS as exc:
        error = exc
    finding = selectors.finding_get(fetched_by=request.user, finding_id=pk)
    if is_htmx(request):
        return render(
            request,
            "visits/_finding_row.html",
            {
                "f": finding,
                "error": error,
                "rule_labels": RULE_LABELS,
                "can_resolve": True,
            },
            status=error.status if error else 200,
        )
    if error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已处理")
    return redirect(request.POST.get("next") or "visits:finding_list")


# --- screening runs -------------------------------------------------------------------------


@staff_view
@require_http_methods(["GET", "POST"])
def screening_runs(request):
    require(request.user, Right.VISITS_SCREEN)
    last_month = (clock.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    form = forms.RunForm(posted(request), initial={"period": last_month})

    def save(form):
        run = services.screening_request(actor=request.user, period=form.cleaned_data["period"])
        messages.success(request, f"已提交{run.period}的稽核，后台任务完成后可查看结果")
        return redirect("visits:screening")

    runs = selectors.run_list(fetched_by=request.user).order_by("-created_at")[:20]
    return form_page(
        request,
        "visits/screening.html",
        form,
        save,
        context={"runs": runs, "rule_labels": RULE_LABELS},
        errors=(DomainError,),
    )


@staff_view
@require_GET
def run_progress(request, pk: int):
    require(request.user, Right.VISITS_SCREEN)
    run = selectors.run_get(fetched_by=request.user, run_id=pk)
    return render(
        request,
        "visits/_run_row.html",
        {
            "run": run,
            "rule_labels": RULE_LABELS,
            "active": run.status in (RunStatus.QUEUED, RunStatus.RUNNING),
        },
    )


# --- bed-days and patrols -------------------------------------------------------------------


@staff_view
@require_http_methods(["GET", "POST"])
def bed_days(request):
    """床日登记: admissions, leave / transfer / return, discharges and the month's summary.
    The resident is chosen with a search picker (name, 参保编号 or ID number) among the
    institution's own institutional-care beneficiaries; a refusal is shown on its field and
    the form keeps what was typed."""
    require(request.user, Right.VISITS_VIEW)
    month = request.GET.get("month") or clock.today().strftime("%Y-%m")
    try:
        services.period_of(month)
    except ValidationFailed:
        month = clock.today().strftime("%Y-%m")
    can_edit = scope_of(request.user).can(Right.VISITS_BED_DAYS)
    failed: dict = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            _bed_day_action(request, action)
        except DomainError as exc:
            errors = dict(exc.fields or {})
            if "person_id" in errors:
                errors["person"] = errors.pop("person_id")
            failed = {
                "action": action,
                "message": exc.message,
                "errors": errors,
                "values": request.POST,
                "chosen": pickers.choice_for("resident", request.user, request.POST.get("person")),
            }
            status = exc.status
        else:
            messages.success(request, "已登记")
            return redirect(f"{request.path}?month={month}")
    return render(
        request,
        "visits/bed_days.html",
        {
            "month": month,
            "rows": selectors.bed_day_summary(fetched_by=request.user, month=month),
            "stays": selectors.stay_list(fetched_by=request.user, open_only=True)[:200],
            "kinds": BedDayKind.choices,
            "can_edit": can_edit,
            "today": clock.today(),
            # What each form shows again after its own refusal (nothing for the others).
            "admit": failed if failed.get("action") == "admit" else {},
            "mark": failed if failed.get("action") == "mark" else {},
            "failed": failed,
        },
        status=status,
    )


def _bed_day_action(request, action: str | None) -> None:
    post = request.POST
    if action in ("admit", "mark"):
        person = pickers.resolve(
            "resident", request.user, key=post.get("person"), text=post.get("person_q", "")
        )
    if action == "admit":
        services.stay_admit(
            actor=request.user,
            person_id=person.pk,
            admitted_on=post.get("admitted_on", ""),
            bed_number=post.get("bed_number", ""),
        )
    elif action == "mark":
        services.bed_days_mark(
            actor=request.user,
            person_id=person.pk,
            first=post.get("first", ""),
            last=post.get("last", ""),
            kind=post.get("kind", ""),
        )
    elif action == "discharge":
        services.stay_discharge(
            actor=request.user,
            stay_id=_int(post.get("stay_id")) or 0,
            discharged_on=post.get("discharged_on", ""),
        )
    else:
        raise ValidationFailed("未知的操作", code="action_invalid")


@staff_view
@require_GET
def patrol_list(request):
    s = scope_of(request.user)
    if not (s.can(Right.VISITS_VIEW) or s.can(Right.VISITS_PATROL)):
        require(request.user, Right.VISITS_VIEW)
    return render(
        request,
        "visits/patrol_list.html",
        {"page": paginate(request, selectors.patrol_list(fetched_by=request.user), PAGE_SIZE)},
    )
