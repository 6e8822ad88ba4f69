"""The public site (no sign-in, under ``/public/``) and the back-office pages behind it (the
bureau's articles, the consultation queue, under ``/disclosure/``). Thin: forms in, a service
or selector call, a page out.

The public pages are cached (``public.caching``) and show only what the selectors publish.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from changhu.core.errors import Conflict, ValidationFailed
from changhu.core.scope import require, scope_of
from changhu.orgs.roles import Right
from changhu.public import caching, forms, markup, selectors, services
from changhu.public.models import ArticleKind
from changhu.web import public_forms
from changhu.web.pages import FORM_ERRORS, form_page, paginate, posted
from changhu.web.shortcuts import add_domain_error, staff_view

INSTITUTIONS_SECONDS = 10 * 60
PUBLICITY_SECONDS = 5 * 60
FUND_SECONDS = 60 * 60
ARTICLES_SECONDS = 10 * 60


def _context(**extra) -> dict:
    return {"hotline": settings.SERVICE_HOTLINE, **extra}


# --- the public site ------------------------------------------------------------------------


@require_GET
@caching.cached_page("articles", ARTICLES_SECONDS)
def home(request):
    guides = selectors.published_articles(ArticleKind.GUIDE)[:4]
    return render(request, "public/home.html", _context(guides=guides, section="home"))


@require_GET
@caching.cached_page("institutions", INSTITUTIONS_SECONDS)
def institutions(request):
    """定点护理机构, by district, with a filter by district and care mode."""
    form = forms.InstitutionFilterForm(
        request.GET or None, districts=selectors.institution_districts()
    )
    chosen = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = selectors.designated_institutions(
        district=chosen.get("district", ""), care_mode=chosen.get("mode", "")
    )
    return render(
        request,
        "public/institutions.html",
        _context(form=form, rows=rows, section="institutions"),
    )


@require_GET
@caching.cached_page("publicity", PUBLICITY_SECONDS)
def publicity(request):
    """评估结果公示: the results under publicity today, names masked."""
    return render(
        request,
        "public/publicity.html",
        _context(rows=selectors.publicity_today(), section="publicity"),
    )


@require_GET
@caching.cached_page("fund", FUND_SECONDS)
def fund(request):
    """基金年度收支概况."""
    return render(
        request, "public/fund.html", _context(years=selectors.fund_years(), section="fund")
    )


@require_GET
@caching.cached_page("articles", ARTICLES_SECONDS)
def articles(request, kind: str):
    if kind not in ArticleKind.values:
        raise Http404()
    rows = [(a, selectors.article_summary(a)) for a in selectors.published_articles(kind)]
    return render(
        request,
        "public/articles.html",
        _context(rows=rows, kind_label=ArticleKind(kind).label, section=kind),
    )


@require_GET
@caching.cached_page("articles", ARTICLES_SECONDS)
def article(request, pk: int):
    found = selectors.published_article(pk)
    if found is None:
        raise Http404()
    return render(
        request,
        "public/article.html",
        _context(
            article=found,
            blocks=markup.blocks(found.body),
            kind_label=ArticleKind(found.kind).label,
            section=found.kind,
        ),
    )


@require_http_methods(["GET", "POST"])
def consult(request):
    """咨询登记: no sign-in; the anti-abuse of ``web.public_forms`` and a limit per address."""
    form = forms.ConsultationForm(request.POST or None, districts=selectors.city_districts())
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
                    consultation = services.consultation_submit(
                        data=services.ConsultationInput(
                            name=d["name"],
                            phone=d["phone"],
                            question=d["question"],
                            district=d["district"],
                        ),
                        source_key=services.source_key(public_forms.client_ip(request)),
                    )
                except (ValidationFailed, Conflict) as exc:
                    add_domain_error(form, exc)
                    status = exc.status
                else:
                    return render(
                        request,
                        "public/consult_done.html",
                        _context(consultation=consultation, section="consult"),
                    )
    response = render(
        request,
        "public/consult.html",
        _context(form=form, token=public_forms.issue_token(), section="consult"),
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


# --- the back office: articles --------------------------------------------------------------


@staff_view
@require_GET
def article_list(request):
    rows = selectors.article_list(fetched_by=request.user)
    return render(request, "public/staff/article_list.html", {"rows": rows})


def _article_input(d) -> services.ArticleInput:
    return services.ArticleInput(
        kind=d["kind"],
        title=d["title"],
        summary=d["summary"],
        body=d["body"],
        published=d["published"],
        order=d["order"],
    )


@staff_view
@require_http_methods(["GET", "POST"])
def article_new(request):
    require(request.user, Right.PUBLIC_CONTENT)
    form = forms.ArticleForm(posted(request), initial={"order": 100})

    def save(form):
        article = services.article_create(
            actor=request.user, data=_article_input(form.cleaned_data)
        )
        messages.success(
            request, f"已保存“{article.title}”" + ("并发布" if article.published else "")
        )
        return redirect("disclosure:article_list")

    return form_page(
        request, "public/staff/article_form.html", form, save, context={"editing": None}
    )


@staff_view
@require_http_methods(["GET", "POST"])
def article_edit(request, pk: int):
    article = selectors.article_get(fetched_by=request.user, article_id=pk)
    initial = {
        "kind": article.kind,
        "title": article.title,
        "summary": article.summary,
        "body": article.body,
        "order": article.order,
        "published": article.published,
        "version": article.version,
    }
    form = forms.ArticleForm(posted(request), initial=initial)

    def save(form):
        d = form.cleaned_data
        saved = services.article_update(
            actor=request.user,
            article_id=pk,
            data=_article_input(d),
            version=d["version"] or 0,
        )
        messages.success(request, f"已保存“{saved.title}”")
        return redirect("disclosure:article_list")

    return form_page(
        request,
        "public/staff/article_form.html",
        form,
        save,
        context={"editing": article, "blocks": markup.blocks(article.body)},
    )


# --- the back office: consultations ---------------------------------------------------------


@staff_view
@require_GET
def consultation_list(request):
    form = forms.ConsultationFilterForm(request.GET or None)
    status = form.cleaned_data.get("status", "") if form.is_valid() else ""
    rows = selectors.consultation_list(fetched_by=request.user, status=status)
    return render(
        request,
        "public/staff/consultation_list.html",
        {"form": form, "page": paginate(request, rows, 30)},
    )


def _detail(request, consultation, **extra) -> dict:
    return {
        "c": consultation,
        "can_handle": scope_of(request.user).can(Right.CONSULTATION_HANDLE),
        "reply_form": extra.pop("reply_form", None) or forms.ReplyForm(),
        "close_form": extra.pop("close_form", None) or forms.CloseForm(),
        **extra,
    }


@staff_view
@require_GET
def consultation_detail(request, pk: int):
    consultation = selectors.consultation_get(fetched_by=request.user, consultation_id=pk)
    return render(request, "public/staff/consultation_detail.html", _detail(request, consultation))


ACTIONS = ("reply", "close", "phone")


@staff_view
@require_POST
def consultation_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404()
    selectors.consultation_get(fetched_by=request.user, consultation_id=pk)
    if action == "phone":
        phone = services.consultation_phone(actor=request.user, consultation_id=pk)
        consultation = selectors.consultation_get(fetched_by=request.user, consultation_id=pk)
        return render(
            request,
            "public/staff/consultation_detail.html",
            _detail(request, consultation, phone=phone),
        )
    form = (forms.ReplyForm if action == "reply" else forms.CloseForm)(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed("请检查填写的内容")
        d = form.cleaned_data
        if action == "reply":
            services.consultation_reply(
                actor=request.user,
                consultation_id=pk,
                reply=d["reply"],
                channel=d["reply_channel"],
            )
            messages.success(request, "已记录答复")
        else:
            services.consultation_close(actor=request.user, consultation_id=pk, note=d["note"])
            messages.success(request, "咨询已办结")
    except FORM_ERRORS as exc:
        if exc.fields or not form.errors:
            add_domain_error(form, exc)
        consultation = selectors.consultation_get(fetched_by=request.user, consultation_id=pk)
        context = _detail(request, consultation, **{f"{action}_form": form})
        return render(
            request,
            "public/staff/consultation_detail.html",
            context,
            status=getattr(exc, "status", 422),
        )
    return redirect("disclosure:consultation_detail", pk=pk)
