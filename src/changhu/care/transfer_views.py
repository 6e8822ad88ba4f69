"""Pages of transfers (转移安置): the case worker's list and case page, and the family's pages
(their notices, and choosing the new institution)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changhu.care import forms, services, transfer_selectors
from changhu.care.models import TransferStatus
from changhu.core import clock
from changhu.core.scope import require, scope_of
from changhu.core.transitions import labelled_timeline
from changhu.orgs.roles import Right
from changhu.web.pages import act, paginate, posted, submit
from changhu.web.shortcuts import staff_view


def _decorate(transfer, today):
    transfer.days_waiting = transfer_selectors.days_waiting(transfer, today)
    transfer.overdue = transfer.pending and transfer.due_on < today
    return transfer


# --- the case worker's pages ------------------------------------------------------------------


@staff_view
@require_GET
def transfer_list(request):
    """待转移安置: the beneficiaries of institutions that stopped serving, not yet moved first."""
    require(request.user, Right.CARE_VIEW)
    data = request.GET if request.GET else {"status": "pending"}
    form = forms.TransferFilterForm(data)
    cleaned = form.cleaned_data if form.is_valid() else {"status": "pending"}
    rows = transfer_selectors.transfer_list(
        fetched_by=request.user,
        filters=transfer_selectors.TransferFilters(
            status=cleaned.get("status", ""),
            q=cleaned.get("q", ""),
            overdue=bool(cleaned.get("overdue")),
        ),
    )
    page = paginate(request, rows)
    today = clock.today()
    for transfer in page:
        _decorate(transfer, today)
    return render(
        request,
        "care/transfer_list.html",
        {"form": form, "page": page, "deadline_days": services.TRANSFER_DAYS},
    )


def _render_transfer(request, transfer, *, bound=None, status=200):
    bound = bound or {}
    s = scope_of(request.user)
    can_act = s.can(Right.CARE_ENTITLEMENT) and transfer.pending
    options = services.transfer_options(transfer) if can_act else []
    initial = {"institution": str(transfer.to_institution_id or "")}
    return render(
        request,
        "care/transfer_detail.html",
        {
            "t": _decorate(transfer, clock.today()),
            "can_act": can_act,
            "options": options,
            "assign_form": bound.get("assign")
            or forms.TransferAssignForm(options=options, initial=initial),
            "complete_form": bound.get("complete") or forms.TransferCompleteForm(transfer=transfer),
            "cancel_form": bound.get("cancel") or forms.TransferCancelForm(),
            "timeline": labelled_timeline(transfer, services.TRANSFER_FLOW),
        },
        status=status,
    )


@staff_view
@require_GET
def transfer_detail(request, pk: int):
    require(request.user, Right.CARE_VIEW)
    transfer = transfer_selectors.transfer_get(fetched_by=request.user, transfer_id=pk)
    return _render_transfer(request, transfer)


@staff_view
@require_POST
def transfer_action(request, pk: int, action: str):
    transfer = transfer_selectors.transfer_get(fetched_by=request.user, transfer_id=pk)
    if action == "assign":
        form = forms.TransferAssignForm(request.POST, options=services.transfer_options(transfer))

        def save(form):
            chosen = services.transfer_assign(
                actor=request.user,
                transfer_id=pk,
                institution_id=form.cleaned_data["institution"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, f"已为{transfer.person.name}选定{chosen.to_institution.name}")
            return redirect("care:transfer_detail", pk=pk)

    elif action == "complete":
        form = forms.TransferCompleteForm(request.POST, transfer=transfer)

        def save(form):
            done = services.transfer_complete(
                actor=request.user,
                transfer_id=pk,
                effective_date=form.cleaned_data["effective_date"],
            )
            messages.success(
                request,
                f"{transfer.person.name}自{done.effective_date:%Y-%m-%d}起由"
                f"{done.to_institution.name}提供服务",
            )
            return redirect("care:transfer_detail", pk=pk)

    elif action == "cancel":
        form = forms.TransferCancelForm(request.POST)

        def save(form):
            services.transfer_cancel(
                actor=request.user, transfer_id=pk, reason=form.cleaned_data["reason"]
            )
            messages.success(request, "已撤销该转移安置")
            return redirect("care:transfer_detail", pk=pk)

    else:
        return redirect("care:transfer_detail", pk=pk)
    response, status = submit(form, save, field_map={"institution_id": "institution"})
    if response is not None:
        return response
    transfer = transfer_selectors.transfer_get(fetched_by=request.user, transfer_id=pk)
    return _render_transfer(request, transfer, bound={action: form}, status=status)


# --- the family's pages -----------------------------------------------------------------------


@staff_view
@require_GET
def family_transfers(request):
    """更换护理机构: the notices about the persons the family acts for, and their cases."""
    require(request.user, Right.INSURED_SELF)
    today = clock.today()
    rows = [
        _decorate(t, today)
        for t in transfer_selectors.transfer_list(fetched_by=request.user).order_by(
            "-stopped_on", "-id"
        )[:20]
    ]
    return render(
        request,
        "care/family_transfers.html",
        {
            "transfers": rows,
            "notices": transfer_selectors.family_notices(fetched_by=request.user)[:20],
            "hotline": settings.SERVICE_HOTLINE,
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def family_transfer_choose(request, pk: int):
    """The family chooses the new institution of one case."""
    require(request.user, Right.INSURED_SELF)
    transfer = transfer_selectors.transfer_get(fetched_by=request.user, transfer_id=pk)
    options = services.transfer_options(transfer) if transfer.pending else []
    initial = {"institution": str(transfer.to_institution_id or "")}
    form = forms.FamilyChoiceForm(posted(request), options=options, initial=initial)
    status = 200
    if form.is_bound:

        def save(form):
            chosen = services.transfer_assign(
                actor=request.user, transfer_id=pk, institution_id=form.cleaned_data["institution"]
            )
            messages.success(
                request, f"已选择{chosen.to_institution.name}，经办人员将尽快为您办理转移"
            )
            return redirect("care:family_transfers")

        response, status = submit(form, save, field_map={"institution_id": "institution"})
        if response is not None:
            return response
    return render(
        request,
        "care/family_transfer_choose.html",
        {
            "t": transfer,
            "form": form,
            "options": options,
            "hotline": settings.SERVICE_HOTLINE,
            "completed": transfer.status == TransferStatus.COMPLETED,
        },
        status=status,
    )


@staff_view
@require_POST
def family_notice_read(request, pk: int):
    require(request.user, Right.INSURED_SELF)
    return act(
        request,
        lambda: services.family_notice_read(actor=request.user, notice_id=pk),
        "已标记为已读",
        redirect("care:family_transfers"),
    )
