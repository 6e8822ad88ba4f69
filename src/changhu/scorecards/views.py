"""Scorecard pages: the ranking per district, an organization's card with its trend, the rows
behind each indicator, on-site points, and computing a period."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changhu.core import audit, clock
from changhu.core.downloads import file_response
from changhu.core.errors import PermissionDenied
from changhu.core.excel import xlsx_response
from changhu.core.money import yuan_to_fen
from changhu.core.scope import require, scope_of
from changhu.orgs.roles import Right
from changhu.orgs.selectors import districts_in_scope
from changhu.scorecards import consequences, exports, forms, periods, selectors, services
from changhu.scorecards.models import ConsequenceAction, ConsequenceStatus, ScorecardKind
from changhu.web.pages import act, form_page, paginate, posted
from changhu.web.shortcuts import staff_view

TREND_PERIODS = 6
PAGE_SIZE = 50


def _default_period(user, kind: str) -> str:
    computed = selectors.periods_computed(fetched_by=user, kind=kind)
    return computed[0] if computed else periods.last_complete_quarter(clock.today()).key


@staff_view
@require_GET
def ranking(request):
    require(request.user, Right.SCORECARDS_VIEW)
    districts = list(districts_in_scope(user=request.user))
    form = forms.RankingFilterForm(request.GET or None, districts=districts)
    form.is_valid()
    chosen = getattr(form, "cleaned_data", {})
    kind = chosen.get("kind") or ScorecardKind.CARE
    period = (chosen.get("period") or "").strip() or _default_period(request.user, kind)
    filters = selectors.RankingFilters(
        kind=kind, period=period, district=chosen.get("district", "")
    )
    cards = selectors.card_list(fetched_by=request.user, filters=filters)
    district_names = {d.code: d.name for d in districts}
    run = selectors.run_get(fetched_by=request.user, kind=kind, period=period)
    if request.GET.get("export") == "xlsx":
        if run is not None:
            audit.record(action="export", obj=run, user=request.user, note=f"导出{run}排名")
        return xlsx_response(
            f"考核排名-{ScorecardKind(kind).label}-{period}",
            [exports.ranking_sheet(cards, district_names)],
        )
    query = request.GET.copy()
    query["export"] = "xlsx"
    page = paginate(request, cards, PAGE_SIZE)
    offset = (page.number - 1) * PAGE_SIZE
    try:
        period_label = periods.parse(period).label
    except ValueError:
        period_label = period
    return render(
        request,
        "scorecards/ranking.html",
        {
            "form": form,
            "page": page,
            "rows": [
                (offset + n, card, district_names.get(card.region_code[:6], ""))
                for n, card in enumerate(page, start=1)
            ],
            "kind_label": ScorecardKind(kind).label,
            "period": period,
            "period_label": period_label,
            "run": run,
            "district": chosen.get("district", ""),
            "export_query": query.urlencode(),
            "can_compute": scope_of(request.user).can(Right.SCORECARDS_COMPUTE),
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def compute_page(request):
    require(request.user, Right.SCORECARDS_COMPUTE)
    initial = {
        "kind": request.GET.get("kind") or ScorecardKind.CARE,
        "period": request.GET.get("period") or periods.last_complete_quarter(clock.today()).key,
    }
    form = forms.ComputeForm(posted(request), initial=initial)

    def save(form):
        d = form.cleaned_data
        run = services.scorecard_compute(actor=request.user, kind=d["kind"], period=d["period"])
        messages.success(request, f"已计算{run}，共{run.organizations}家机构")
        return redirect(f"{reverse('scorecards:ranking')}?kind={run.kind}&period={run.period}")

    return form_page(request, "scorecards/compute.html", form, save)


def _card(request, kind: str, period: str, org: int):
    return selectors.card_for(
        fetched_by=request.user, organization_id=org, kind=kind, period=period
    )


def _may_score(user, card) -> bool:
    """Whether the reader may enter on-site points on this card (services check it again)."""
    s = scope_of(user)
    if not s.can(Right.SCORECARDS_MANUAL) or card.organization_id == s.organization_id:
        return False
    return card.kind != ScorecardKind.INSURER or s.unrestricted or s.organization_kind == "bureau"


def _trend(user, card) -> dict:
    current = periods.parse(card.period)
    keys = [current.shift(-n).key for n in range(TREND_PERIODS - 1, -1, -1)]
    points = selectors.trend(fetched_by=user, card=card, periods=keys)
    return {
        "periods": [periods.parse(p).label for p, _ in points],
        "scores": [s for _, s in points],
    }


@staff_view
@require_GET
def card_detail(request, kind: str, period: str, org: int):
    require(request.user, Right.SCORECARDS_VIEW)
    card = _card(request, kind, period, org)
    definitions = {i["code"]: i for i in card.run.indicator_set.indicators}
    indicators = [(i, definitions.get(i.code, {})) for i in card.indicators.all()]
    manual_codes = [c for c, d in definitions.items() if d["formula"] == "manual"]
    return render(
        request,
        "scorecards/card.html",
        {
            "card": card,
            "indicators": indicators,
            "period_label": periods.parse(card.period).label,
            "trend": _trend(request.user, card),
            "manual": [
                (m, definitions.get(m.indicator_code, {}).get("name", ""))
                for m in selectors.manual_entries(fetched_by=request.user, card=card)
            ],
            "can_enter": bool(manual_codes) and _may_score(request.user, card),
            "consequences": selectors.consequence_list(
                fetched_by=request.user,
                filters=selectors.ConsequenceFilters(
                    kind=card.kind, period=card.period, organization_id=card.organization_id
                ),
            ),
        },
    )


@staff_view
@require_GET
def drill_down(request, kind: str, period: str, org: int, code: str):
    require(request.user, Right.SCORECARDS_VIEW)
    card = _card(request, kind, period, org)
    found = selectors.drill_down(fetched_by=request.user, card=card, code=code)
    return render(
        request,
        "scorecards/drill_down.html",
        {"card": card, "found": found, "period_label": periods.parse(card.period).label},
    )


@staff_view
@require_http_methods(["GET", "POST"])
def manual_new(request, kind: str, period: str, org: int):
    require(request.user, Right.SCORECARDS_MANUAL)
    card = _card(request, kind, period, org)
    if not _may_score(request.user, card):
        raise PermissionDenied("不能为本机构评分；承办商保机构的考核由医保部门评分")
    manual = [i for i in card.run.indicator_set.indicators if i["formula"] == "manual"]
    form = forms.ManualScoreForm(posted(request), request.FILES or None, indicators=manual)

    def save(form):
        d = form.cleaned_data
        services.manual_score_enter(
            actor=request.user,
            kind=card.kind,
            period=card.period,
            organization_id=card.organization_id,
            indicator_code=d["indicator_code"],
            points=d["points"],
            reason=d["reason"],
            evidence=d["evidence"],
        )
        messages.success(request, "现场考核评分已录入，得分已重新计算")
        return redirect("scorecards:card", kind=card.kind, period=card.period, org=org)

    return form_page(
        request,
        "scorecards/manual_new.html",
        form,
        save,
        context={"card": card, "period_label": periods.parse(card.period).label},
    )


@staff_view
@require_GET
def evidence(request, pk: int):
    require(request.user, Right.SCORECARDS_VIEW)
    entry = selectors.manual_entry_get(fetched_by=request.user, entry_id=pk)
    return file_response(entry.evidence.read(), entry.evidence_name, entry.evidence_type)


# --- consequences ---------------------------------------------------------------------------


def _consequence_rows(user, page, can_decide: bool) -> list[tuple]:
    """Each proposal with what confirming it will do (for the dialog) and where it goes."""
    rows = []
    for p in page:
        target = None
        if can_decide and p.status == ConsequenceStatus.PROPOSED:
            if p.action == ConsequenceAction.WITHHOLDING and p.amount_fen:
                target = consequences.next_period(p)
            rows.append((p, consequences.effect(p, target=target), target))
        else:
            rows.append((p, "", None))
    return rows


@staff_view
@require_GET
def consequence_list(request):
    require(request.user, Right.SCORECARDS_VIEW)
    status = request.GET.get("status", "")
    if status not in ConsequenceStatus.values:
        status = ""
    kind = request.GET.get("kind", "")
    if kind not in ScorecardKind.values:
        kind = ""
    filters = selectors.ConsequenceFilters(status=status, kind=kind)
    page = paginate(
        request, selectors.consequence_list(fetched_by=request.user, filters=filters), PAGE_SIZE
    )
    can_decide = scope_of(request.user).can(Right.SCORECARDS_CONSEQUENCES)
    return render(
        request,
        "scorecards/consequences.html",
        {
            "page": page,
            "rows": _consequence_rows(request.user, page, can_decide),
            "status": status,
            "kind": kind,
            "statuses": ConsequenceStatus.choices,
            "kinds": ScorecardKind.choices,
            "can_decide": can_decide,
        },
    )


def _back_to_list(request):
    back = request.POST.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("scorecards:consequences")
    return redirect(back)


@staff_view
@require_POST
def consequence_confirm(request, pk: int):
    require(request.user, Right.SCORECARDS_CONSEQUENCES)
    selectors.consequence_get(fetched_by=request.user, proposal_id=pk)
    fee = None
    raw = request.POST.get("contract_fee_yuan", "").strip()
    if raw:
        try:
            fee = yuan_to_fen(Decimal(raw))
        except (InvalidOperation, ValueError):
            messages.error(request, "合同经办服务费应为金额（元）")
            return _back_to_list(request)
    return act(
        request,
        lambda: services.consequence_confirm(
            actor=request.user, proposal_id=pk, contract_fee_fen=fee
        ),
        lambda p: f"已确认执行：{p.outcome}",
        _back_to_list(request),
    )


@staff_view
@require_POST
def consequence_dismiss(request, pk: int):
    require(request.user, Right.SCORECARDS_CONSEQUENCES)
    selectors.consequence_get(fetched_by=request.user, proposal_id=pk)
    return act(
        request,
        lambda: services.consequence_dismiss(
            actor=request.user, proposal_id=pk, reason=request.POST.get("reason", "")
        ),
        "已记录不予执行",
        _back_to_list(request),
        level=messages.info,
    )
