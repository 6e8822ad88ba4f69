"""The template components pages are built of (web/components.py, changhu_web tags)."""

import re

import pytest
from django import forms
from django.core.paginator import Paginator
from django.template import RequestContext, Template, TemplateSyntaxError
from django.test import RequestFactory


def render(source: str, **context) -> str:
    request = RequestFactory().get("/list/?q=王")
    html = Template("{% load changhu_web %}" + source).render(RequestContext(request, context))
    return re.sub(r"\s+", " ", html).strip()


def test_table_card_draws_the_columns_and_the_rows():
    html = render(
        '{% table_card "证书" columns="类别|金额:text-end|" %}'
        "{% for x in rows %}<tr><td>{{ x }}</td></tr>{% endfor %}{% endtable_card %}",
        rows=["甲", "乙"],
    )
    assert '<div class="card-header bg-white fw-semibold">证书</div>' in html
    assert '<th scope="col">类别</th><th scope="col" class="text-end">金额</th>' in html
    assert '<th scope="col"></th></tr></thead>' in html
    assert "<tbody> <tr><td>甲</td></tr><tr><td>乙</td></tr> </tbody>" in html


def test_table_card_says_so_when_there_are_no_rows():
    html = render(
        '{% table_card columns="a|b|c" empty="尚无材料" %}'
        "{% for x in rows %}<tr><td>{{ x }}</td></tr>{% endfor %}{% endtable_card %}",
        rows=[],
    )
    assert '<td colspan="3" class="text-center text-secondary py-3">尚无材料</td>' in html
    assert "card-header" not in html


def test_slots_are_drawn_where_the_component_puts_them():
    html = render(
        '{% table_card columns="a" %}'
        '{% slot header %}<div class="card-header">自定</div>{% endslot %}'
        "<tr><td>1</td></tr>{% slot footer %}<p>脚注</p>{% endslot %}{% endtable_card %}"
    )
    assert html.index("自定") < html.index("<table") < html.index("</table>") < html.index("脚注")
    assert "<tbody> <tr><td>1</td></tr> </tbody>" in html


def test_a_slot_named_like_an_argument_replaces_it():
    html = render(
        '{% list_card "纯文本" %}{% slot title %}<b>{{ n }}</b>{% endslot %}{% endlist_card %}',
        n="标题",
    )
    assert '<div class="card-header bg-white fw-semibold"><b>标题</b></div>' in html
    assert '<li class="list-group-item text-secondary">无</li>' in html


def test_arguments_are_escaped_and_the_page_context_is_left_alone():
    html = render(
        '{% card title class="h-100" testid=tid %}{{ title }}{% endcard %}{{ title }}',
        title="<i>x</i>",
        tid='a"b',
    )
    assert html.count("&lt;i&gt;x&lt;/i&gt;") == 3
    assert 'class="card ch-card h-100" data-testid="a&quot;b"' in html


def results(rows, page_number: int, arguments: str, body: str) -> str:
    """A result_table of ``rows`` in pages of 20."""
    page = Paginator(rows, 20).get_page(page_number)
    source = f"{{% result_table page {arguments} %}}{body}{{% endresult_table %}}"
    return render(source, page=page)


ROWS = "{% for n in page %}<tr><td>{{ n }}</td></tr>{% endfor %}"


def test_result_table_counts_and_pages():
    html = results(list(range(45)), 2, 'unit="人" columns="号"', ROWS)
    assert '共 <strong data-testid="result-count">45</strong> 人' in html
    assert "<td>20</td>" in html and "<td>40</td>" not in html
    assert "第 2 / 3 页" in html and 'href="?q=%E7%8E%8B&amp;page=3"' in html


def test_result_table_says_more_after_the_count():
    after = "{% slot after %}· 合计 <b>9</b> 元{% endslot %}"
    html = results([1], 1, 'unit="份申报" columns="号"', after + ROWS)
    assert '共 <strong data-testid="result-count">1</strong> 份申报 · 合计 <b>9</b> 元' in html


def test_result_table_with_no_results():
    html = results([], 1, 'unit="人" columns="号|名" empty="没有符合条件的参保人"', ROWS)
    assert 'colspan="2" class="text-center text-secondary py-5"><i class="bi bi-inbox' in html
    assert "没有符合条件的参保人</td>" in html and "分页" not in html


def test_page_header_with_crumbs_actions_and_lead():
    html = render(
        '{% page_header name current="详情" testid="t" %}<span>徽标</span>'
        '{% slot crumbs %}{% crumb "参保人" "insured:person_list" %}{% endslot %}'
        '{% slot actions %}<a href="#">导出</a>{% endslot %}{% slot lead %}说明{% endslot %}'
        "{% endpage_header %}",
        name="张三",
    )
    assert '<nav aria-label="页面路径">' in html
    assert '<li class="breadcrumb-item"><a href="/insured/">参保人</a></li>' in html
    assert '<li class="breadcrumb-item active" aria-current="page">详情</li>' in html
    assert '<h1 class="ch-page-title" data-testid="t">张三</h1> <span>徽标</span>' in html
    assert '<div class="d-flex flex-wrap gap-2"><a href="#">导出</a></div>' in html
    assert "mb-1" in html and '<p class="text-secondary small mb-3">说明</p>' in html


def test_page_header_alone_is_a_title():
    html = render('{% page_header "待续签协议" %}{% endpage_header %}')
    assert "breadcrumb" not in html and "<p" not in html and "gap-2 mb-3" in html


class _Filters(forms.Form):
    q = forms.CharField(label="姓名", required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")])
    open = forms.BooleanField(label="仅未出院", required=False)
    queue = forms.CharField(required=False, widget=forms.HiddenInput)
    filter_columns = {"q": "col-12 col-lg-4"}


def test_filter_bar_lays_the_fields_out_and_fills_the_row():
    html = render("{% filter_bar form '/insured/' %}", form=_Filters())
    assert '<div class="col-12 col-lg-4"><label class="form-label small text-secondary"' in html
    assert '<div class="col-6 col-lg-3 pb-2"><div class="form-check"><input type="checkbox"' in html
    assert 'type="hidden" name="queue"' in html
    assert '<div class="col-12 col-lg-2 text-lg-end">' in html  # 4 + 3 + 3 = 10 of 12
    assert '<a class="btn btn-outline-secondary" href="/insured/">重置</a>' in html
    assert 'href="/list/">重置</a>' in render("{% filter_bar form %}", form=_Filters())
    assert "重置" not in render('{% filter_bar form "" %}', form=_Filters())


class _Small(forms.Form):
    reason = forms.CharField(label="原因")


def test_form_card_draws_the_form_or_the_body():
    fields = render(
        '{% form_card title="暂停" action="/x/" form=form button="暂停" tone="warning" %}'
        "{% endform_card %}",
        form=_Small(),
    )
    assert '<form method="post" action="/x/" class="card ch-card">' in fields
    assert 'for="id_reason">原因' in fields and "novalidate" not in fields
    assert '<button class="btn btn-warning" type="submit">暂停</button>' in fields
    body = render(
        '{% form_card cancel_url="/back/" button="登记" novalidate=True %}<p>自定</p>'
        "{% endform_card %}"
    )
    assert "novalidate" in body and "<p>自定</p>" in body and 'href="/back/">取消</a>' in body


def test_misused_components_fail_when_the_template_is_read():
    with pytest.raises(TemplateSyntaxError):
        render('{% card title="a" "b" %}{% endcard %}')
    with pytest.raises(TemplateSyntaxError):
        render('{% card "a" "b" %}{% endcard %}')
    with pytest.raises(TemplateSyntaxError):
        render("{% slot %}{% endslot %}")
