"""Pages: complaints (staff list, hotline form, detail with its actions), the public complaint
form, the family's pages (their complaints, a new one, the reply and their satisfaction, the
service survey), return visits (the month's list, the draw, the call with its script) and the
satisfaction surveys with the scores per institution and caregiver."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changhu.core import clock, months
from changhu.core.errors import Conflict, DomainError, ValidationFailed
from changhu.core.excel import xlsx_response
from changhu.core.scope import require, scope_of
from changhu.feedback import exports, forms, questionnaires, selectors, services
from changhu.feedback.models import Category, Channel, ReturnVisitStatus, SurveyChannel
from changhu.orgs.roles import Right
from changhu.web import public_forms
from changhu.web.pages import FORM_ERRORS, form_page, paginate, posted
from changhu.web.shortcuts import add_domain_error, staff_view

PAGE_SIZE = 30


def _valid(form) -> dict:
    form.is_valid()
    return getattr(form, "cleaned_data", {})


def _list_with_export(request, template: str, page, export) -> HttpResponse:
    """A list and its Excel: ``?export=xlsx`` downloads ``export()`` (the file name and the
    sheets); otherwise the page drawn with ``page()``'s context and ``export_query``, the query
    string of the download."""
    if request.GET.get("export") == "xlsx":
        return xlsx_response(*export())
    query = request.GET.copy()
    query["export"] = "xlsx"
    return render(request, template, {**page(), "export_query": query.urlencode()})


def _hotline() -> str:
    return settings.SERVICE_HOTLINE


# --- complaints (staff) ---------------------------------------------------------------------


@staff_view
@require_GET
def complaint_list(request):
    require(request.user, Right.FEEDBACK_VIEW)
    form = forms.ComplaintFilterForm(request.GET or None)
    chosen = _valid(form)
    filters = selectors.ComplaintFilters(
        status=chosen.get("status", ""),
        category=chosen.get("category", ""),
        channel=chosen.get("channel", ""),
        overdue=bool(chosen.get("overdue")),
        q=chosen.get("q", ""),
    )
    rows = selectors.complaint_list(fetched_by=request.user, filters=filters)

    def page() -> dict:
        listed = paginate(request, rows, PAGE_SIZE)
        for c in listed:
            c.overdue = selectors.is_overdue(c)
        can_handle = scope_of(request.user).can(Right.FEEDBACK_HANDLE)
        return {"form": form, "page": listed, "can_handle": can_handle}

    return _list_with_export(
        request,
        "feedback/complaint_list.html",
        page,
        lambda: (f"投诉{clock.today():%Y%m%d}", [exports.complaints_sheet(rows)]),
    )


@staff_view
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    """热线、窗口登记投诉."""
    require(request.user, Right.FEEDBACK_HANDLE)
    form = forms.ComplaintForm(posted(request), user=request.user)

    def save(form):
        d = form.cleaned_data
        complaint = services.complaint_create(
            actor=request.user,
            data=services.ComplaintInput(
                channel=d["channel"],
                category=d["category"],
                content=d["content"],
                anonymous=d["anonymous"],
                complainant_name=d["complainant_name"],
                complainant_phone=d["complainant_phone"],
                person_id=d["person"].pk if d["person"] else None,
                institution_id=d["institution"].pk if d["institution"] else None,
                caregiver_id=d["caregiver"].pk if d["caregiver"] else None,
            ),
        )
        messages.success(
            request,
            f"已登记投诉{complaint.number}，请于{complaint.ack_due:%m月%d日}前受理、"
            f"{complaint.reply_due:%m月%d日}前答复",
        )
        return redirect("feedback:complaint_detail", pk=complaint.pk)

    return form_page(
        request,
        "feedback/complaint_new.html",
        form,
        save,
        field_map={"institution_id": "institution", "person_id": "person"},
    )


def _person_recent_visits(complaint):
    if complaint.person_id is None:
        return []
    last = clock.today()
    return list(
        services.person_visits(complaint.person_id, first=last - dt.timedelta(days=60), last=last)
    )


def _detail_context(request, complaint, **forms_given) -> dict:
    s = scope_of(request.user)
    visits = _person_recent_visits(complaint) if s.can(Right.FEEDBACK_HANDLE) else []
    return {
        "c": complaint,
        "overdue": selectors.is_overdue(complaint),
        "linked": list(complaint.visits.select_related("caregiver")),
        "can_handle": s.can(Right.FEEDBACK_HANDLE),
        "can_raise": s.can(Right.FEEDBACK_HANDLE) and s.can(Right.VISITS_RESOLVE),
        "escalate_form": forms_given.get("escalate") or forms.EscalateForm(),
        "reply_form": forms_given.get("reply") or forms.ReplyForm(),
        "substantiate_form": forms_given.get("substantiate")
        or forms.SubstantiateForm(visits=visits),
        "close_form": forms_given.get("close") or forms.CloseForm(),
        "timeline": _timeline(complaint),
        "phone": forms_given.get("phone", ""),
    }


def _timeline(complaint):
    from changhu.core.transitions import timeline

    return list(timeline(complaint))


@staff_view
@require_GET
def complaint_detail(request, pk: int):
    require(request.user, Right.FEEDBACK_VIEW)
    complaint = selectors.complaint_get(fetched_by=request.user, complaint_id=pk)
    return render(request, "feedback/complaint_detail.html", _detail_context(request, complaint))


ACTIONS = ("acknowledge", "escalate", "reply", "substantiate", "close", "phone")


@staff_view
@require_POST
def complaint_action(request, pk: int, action: str):
    """One step of the handling, posted from the detail page; a refusal is shown beside the
    form it came from."""
    if action not in ACTIONS:
        raise Http404()
    complaint = selectors.complaint_get(fetched_by=request.user, complaint_id=pk)
    visits = _person_recent_visits(complaint)
    form = {
        "escalate": forms.EscalateForm,
        "reply": forms.ReplyForm,
        "close": forms.CloseForm,
    }.get(action)
    bound = None
    if action == "substantiate":
        bound = forms.SubstantiateForm(request.POST, visits=visits)
    elif form is not None:
        bound = form(request.POST)
    try:
        if bound is not None and not bound.is_valid():
            raise ValidationFailed("请检查填写的内容")
        data = bound.cleaned_data if bound is not None else {}
        if action == "acknowledge":
            services.complaint_acknowledge(actor=request.user, complaint_id=pk)
            messages.success(request, "已受理，您是该投诉的经办人")
        elif action == "escalate":
            services.complaint_escalate(actor=request.user, complaint_id=pk, reason=data["reason"])
            messages.success(request, "已升级处理")
        elif action == "reply":
            services.complaint_reply(
                actor=request.user,
                complaint_id=pk,
                reply=data["reply"],
                channel=data["reply_channel"],
                substantiated=data["substantiated"],
            )
            messages.success(request, "已答复投诉人；回访投诉人满意度后办结")
        elif action == "substantiate":
            found = services.complaint_substantiate(
                actor=request.user,
                complaint_id=pk,
                visit_ids=[int(v) for v in data["visits"]],
                note=data["note"],
            )
            messages.success(request, f"已转稽核：{len(found)}条服务记录待确认违规，确认后不予结算")
        elif action == "close":
            services.complaint_close(
                actor=request.user,
                complaint_id=pk,
                satisfaction=data["satisfaction"],
                note=data["note"],
            )
            messages.success(request, "投诉已办结")
        elif action == "phone":
            phone = services.complainant_phone(actor=request.user, complaint_id=pk)
            complaint = selectors.complaint_get(fetched_by=request.user, complaint_id=pk)
            return render(
                request,
                "feedback/complaint_detail.html",
                _detail_context(request, complaint, phone=phone or "未留电话"),
            )
    except FORM_ERRORS as exc:
        if bound is not None:
            add_domain_error(bound, exc, {"visit_ids": "visits", "reply_channel": "reply_channel"})
        else:
            messages.error(request, exc.message)
            return redirect("feedback:complaint_detail", pk=pk)
        complaint = selectors.complaint_get(fetched_by=request.user, complaint_id=pk)
        context = _detail_context(request, complaint, **{action: bound})
        context["open_action"] = action
        return render(
            request, "feedback/complaint_detail.html", context, status=getattr(exc, "status", 422)
        )
    return redirect("feedback:complaint_detail", pk=pk)


# --- the public form ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def complaint_public(request):
    """网站投诉: no sign-in. Anti-abuse (``web.public_forms``): a signed, timed form token (too
    fast or too old is refused), a field people never see (filled only by robots), and a limit
    per address."""
    form = PublicComplaintForm(request.POST or None, institutions=selectors.public_institutions())
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            problem = public_forms.guard_problem(request, form)
            if problem:
                form.add_error(None, problem)
            else:
                d = form.cleaned_data
                try:
                    complaint = services.public_complaint_create(
                        data=services.ComplaintInput(
                            category=d["category"],
                            content=d["content"],
                            anonymous=d["anonymous"],
                            complainant_name=d["name"],
                            complainant_phone=d["phone"],
                            institution_id=int(d["institution"]),
                        ),
                        source_key=services.public_source_key(public_forms.client_ip(request)),
                    )
                except (ValidationFailed, Conflict) as exc:
                    add_domain_error(
                        form,
                        exc,
                        {
                            "institution_id": "institution",
                            "complainant_phone": "phone",
                            "complainant_name": "name",
                        },
                    )
                    status = exc.status
                else:
                    return render(
                        request,
                        "feedback/complaint_public_done.html",
                        {"complaint": complaint, "hotline": _hotline()},
                    )
    return render(
        request,
        "feedback/complaint_public.html",
        {"form": form, "hotline": _hotline(), "token": public_forms.issue_token()},
        status=status,
    )


class PublicComplaintForm(forms.forms.Form):
    institution = forms.forms.ChoiceField(label="被投诉的护理机构", choices=())
    category = forms.forms.ChoiceField(
        label="投诉类别", choices=[("", "请选择"), *Category.choices]
    )
    content = forms.forms.CharField(
        label="投诉内容", max_length=2000, widget=forms.forms.Textarea(attrs={"rows": 5})
    )
    anonymous = forms.forms.BooleanField(label="匿名投诉", required=False)
    name = forms.forms.CharField(label="您的姓名", required=False, max_length=50)
    phone = forms.forms.CharField(label="联系电话", required=False, max_length=20)
    website = public_forms.honeypot_field()

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [("", "请选择"), *institutions]


# --- the family's pages ---------------------------------------------------------------------


@staff_view
@require_GET
def family_complaints(request):
    """我反映的问题: the family's complaints, newest first, each with its answer."""
    require(request.user, Right.INSURED_SELF)
    rows = selectors.complaint_list(fetched_by=request.user).filter(channel=Channel.FAMILY)
    return render(
        request,
        "feedback/family_complaints.html",
        {"rows": rows[:50], "hotline": _hotline()},
    )


def _family_visits(user):
    """Visits of the persons the family acts for, in the last 60 days."""
    persons = list(services.family_persons(user))
    last = clock.today()
    visits = []
    for person in persons:
        visits += list(
            services.person_visits(person.pk, first=last - dt.timedelta(days=60), last=last)
        )
    return persons, visits


@staff_view
@require_http_methods(["GET", "POST"])
def family_complaint_new(request):
    require(request.user, Right.INSURED_SELF)
    persons, visits = _family_visits(request.user)
    form = forms.FamilyComplaintForm(posted(request), persons=persons, visits=visits)

    def save(form):
        d = form.cleaned_data
        services.family_complaint_create(
            actor=request.user,
            person_id=int(d["person"]),
            category=d["category"],
            content=d["content"],
            phone=d["phone"],
            visit_ids=[int(v) for v in d["visits"]],
        )
        messages.success(request, "您反映的问题已收到，我们会在5个工作日内答复您")
        return redirect("feedback:family_complaints")

    return form_page(
        request,
        "feedback/family_complaint_new.html",
        form,
        save,
        context={"hotline": _hotline(), "persons": persons},
        field_map={"visit_ids": "visits", "complainant_phone": "phone", "person_id": "person"},
    )


@staff_view
@require_http_methods(["GET", "POST"])
def family_complaint_detail(request, pk: int):
    """The answer to one complaint, and (once answered) how satisfied the family is."""
    require(request.user, Right.INSURED_SELF)
    complaint = selectors.complaint_get(fetched_by=request.user, complaint_id=pk)
    form = forms.FamilyRateForm(posted(request))

    def save(form):
        services.complaint_close(
            actor=request.user,
            complaint_id=pk,
            satisfaction=form.cleaned_data["satisfaction"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, "谢谢您的评价")
        return redirect("feedback:family_complaint_detail", pk=pk)

    return form_page(
        request,
        "feedback/family_complaint_detail.html",
        form,
        save,
        context={"c": complaint, "hotline": _hotline()},
        field_map={"satisfaction_note": "note"},
    )


@staff_view
@require_http_methods(["GET", "POST"])
def family_survey(request):
    """服务评价: the family scores the care of a person they act for."""
    require(request.user, Right.INSURED_SELF)
    persons = list(services.family_persons(request.user))
    survey_q = questionnaires.in_force(questionnaires.SATISFACTION, clock.today())
    questions = questionnaires.questions(survey_q)
    form = forms.FamilySurveyForm(posted(request), persons=persons, questions=questions)

    def save(form):
        d = form.cleaned_data
        services.survey_record(
            actor=request.user,
            person_id=int(d["person"]),
            answers={q["code"]: int(d[f"s_{q['code']}"]) for q in questions},
            comment=d["comment"],
            channel=SurveyChannel.FAMILY,
        )
        messages.success(request, "谢谢您的评价，我们会据此改进服务")
        return redirect("feedback:family_survey")

    return form_page(
        request,
        "feedback/family_survey.html",
        form,
        save,
        context={"hotline": _hotline(), "persons": persons},
        field_map={"institution_id": "person", "person_id": "person"},
    )


# --- return visits --------------------------------------------------------------------------


def _default_month() -> str:
    return months.key(months.shift(clock.today(), -1))


@staff_view
@require_GET
def return_visit_list(request):
    require(request.user, Right.FEEDBACK_VIEW)
    form = forms.ReturnVisitFilterForm(request.GET or None)
    chosen = _valid(form)
    period = (chosen.get("period") or "").strip()
    filters = selectors.ReturnVisitFilters(period=period, status=chosen.get("status", ""))
    rows = selectors.return_visit_list(fetched_by=request.user, filters=filters)

    def page() -> dict:
        return {
            "form": form,
            "page": paginate(request, rows, PAGE_SIZE),
            "summary": selectors.draw_summary(fetched_by=request.user, period=period)
            if period
            else [],
            "period": period,
            "can_draw": scope_of(request.user).can(Right.FEEDBACK_DRAW),
            "draw_form": forms.DrawForm(initial={"period": period or _default_month()}),
            "share": f"{settings.RETURN_VISIT_SHARE:.0%}",
            "minimum": settings.RETURN_VISIT_MINIMUM,
        }

    return _list_with_export(
        request,
        "feedback/return_visit_list.html",
        page,
        lambda: (f"回访{period or '全部'}", [exports.return_visits_sheet(rows)]),
    )


@staff_view
@require_POST
def return_visit_draw(request):
    require(request.user, Right.FEEDBACK_DRAW)
    form = forms.DrawForm(request.POST)
    period = request.POST.get("period", "")
    try:
        if not form.is_valid():
            raise ValidationFailed("请填写抽取月份")
        draws = services.return_visits_draw(actor=request.user, period=form.cleaned_data["period"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("feedback:return_visit_list"))
    drawn = sum(d.drawn for d in draws)
    messages.success(request, f"已抽取{len(draws)}家机构、{drawn}人的回访名单")
    return redirect(f"{reverse('feedback:return_visit_list')}?period={period}")


_LOGIN = "\x00login\x00"


def _script_text(template: str, values: dict[str, str], login: str):
    """A script line filled in for the caller to read out; their 工号 (the login name) is read
    as it is, so it is marked ``translate="no"``."""
    text = conditional_escape(questionnaires.fill(template, {**values, "工号": _LOGIN}))
    return mark_safe(text.replace(_LOGIN, format_html('<span translate="no">{}</span>', login)))


def _call_context(request, rv) -> dict:
    script = questionnaires.in_force(questionnaires.RETURN_VISIT, clock.today())
    survey_q = questionnaires.in_force(questionnaires.SATISFACTION, clock.today())
    first, last = months.bounds(rv.period)
    visits = list(
        services.person_visits(rv.person_id, first=first, last=last).filter(
            institution_id=rv.institution_id
        )
    )
    values = {
        "参保人": rv.person.name,
        "月份": f"{first.month}月",
        "热线": _hotline(),
    }
    login = request.user.username
    questions = []
    for q in questionnaires.questions(script):
        entry = dict(q, text=questionnaires.fill(q["text"], values))
        answer = rv.answers.get(q["code"])
        entry["answer"] = (
            q.get("options", {}).get(answer, answer) if q["type"] == "choice" else answer
        )
        questions.append(entry)
    return {
        "rv": rv,
        "opening": _script_text(script.definition.get("opening", ""), values, login),
        "closing": _script_text(script.definition.get("closing", ""), values, login),
        "questions": questions,
        "survey": questionnaires.questions(survey_q),
        "scale": forms.SCORES,
        "visits": [(v.pk, forms.visit_label(v)) for v in visits],
        "script_version": script.version,
        "can_call": scope_of(request.user).can(Right.FEEDBACK_HANDLE)
        and rv.status in (ReturnVisitStatus.PENDING, ReturnVisitStatus.NOT_REACHED),
        "findings": _findings_of(request.user, [v.pk for v in visits]),
    }


def _findings_of(user, visit_ids):
    from changhu.visits import selectors as visit_selectors

    s = scope_of(user)
    if not s.can(Right.VISITS_VIEW):
        return []
    return [
        f
        for f in visit_selectors.finding_list(fetched_by=user)
        .filter(visit_id__in=visit_ids, rule_code="return_visit_discrepancy")
        .select_related("visit")
    ]


@staff_view
@require_http_methods(["GET", "POST"])
def return_visit_call(request, pk: int):
    """回访: the script to read, the answers to tick, and the visits the person says did not
    happen as recorded."""
    require(request.user, Right.FEEDBACK_VIEW)
    rv = selectors.return_visit_get(fetched_by=request.user, return_visit_id=pk)
    context = _call_context(request, rv)
    status = 200
    if request.method == "POST":
        post = request.POST
        answers = {}
        for q in context["questions"]:
            value = post.get(f"q_{q['code']}", "")
            answers[q["code"]] = {"yes": True, "no": False}.get(value, value) if value else None
        survey = {
            q["code"]: post.get(f"s_{q['code']}")
            for q in context["survey"]
            if post.get(f"s_{q['code']}")
        }
        data = services.CallInput(
            outcome=post.get("outcome", ""),
            answers=answers,
            survey=survey,
            comment=post.get("comment", ""),
            note=post.get("note", ""),
            discrepancy_visit_ids=[int(v) for v in post.getlist("visits") if v.isdigit()],
            discrepancy_note=post.get("discrepancy_note", ""),
        )
        try:
            services.return_visit_record(actor=request.user, return_visit_id=pk, data=data)
        except FORM_ERRORS as exc:
            status = exc.status
            context.update(error=exc, posted=post, posted_visits=post.getlist("visits"))
        else:
            found = "，已生成稽核发现，待确认违规" if data.discrepancy_visit_ids else ""
            messages.success(request, f"回访结果已记录{found}")
            return redirect("feedback:return_visit_call", pk=pk)
    return render(request, "feedback/return_visit_call.html", context, status=status)


# --- surveys --------------------------------------------------------------------------------


@staff_view
@require_GET
def survey_list(request):
    require(request.user, Right.FEEDBACK_VIEW)
    form = forms.SurveyFilterForm(request.GET or None)
    chosen = _valid(form)
    period = (chosen.get("period") or "").strip() or months.key(clock.today())
    filters = selectors.SurveyFilters(period=period, channel=chosen.get("channel", ""))
    rows = selectors.survey_list(fetched_by=request.user, filters=filters)
    scores = {
        by: selectors.score_table(fetched_by=request.user, period=period, by=by)
        for by in ("institution", "caregiver")
    }
    return _list_with_export(
        request,
        "feedback/survey_list.html",
        lambda: {
            "form": form,
            "period": period,
            "page": paginate(request, rows, PAGE_SIZE),
            "scores": scores,
            "can_handle": scope_of(request.user).can(Right.FEEDBACK_HANDLE),
        },
        lambda: (f"满意度{period}", exports.surveys_sheet(rows, scores)),
    )


@staff_view
@require_http_methods(["GET", "POST"])
def survey_new(request):
    """纸质问卷录入."""
    require(request.user, Right.FEEDBACK_HANDLE)
    survey_q = questionnaires.in_force(questionnaires.SATISFACTION, clock.today())
    questions = questionnaires.questions(survey_q)
    form = forms.PaperSurveyForm(posted(request), user=request.user, questions=questions)

    def save(form):
        d = form.cleaned_data
        services.survey_record(
            actor=request.user,
            person_id=d["person"].pk,
            answers={q["code"]: int(d[f"s_{q['code']}"]) for q in questions},
            comment=d["comment"],
        )
        messages.success(request, "纸质问卷已录入")
        return redirect("feedback:survey_list")

    return form_page(
        request,
        "feedback/survey_new.html",
        form,
        save,
        context={"version": survey_q.version, "name": survey_q.name},
        field_map={"institution_id": "person", "person_id": "person"},
    )
