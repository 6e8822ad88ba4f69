"""The helpers staff views share (web/pages.py): pages of a list, forms posted and saved."""

import pytest
from django import forms
from django.http import HttpResponse
from django.test import RequestFactory

from changhu.core.errors import NotFound, ValidationFailed
from changhu.web.pages import attachment, form_page, paginate, posted, submit

factory = RequestFactory()


class _NameForm(forms.Form):
    name = forms.CharField(label="姓名")


def _refuse(form):
    raise ValidationFailed("姓名已登记", code="duplicate_name", fields={"name": "该姓名已登记"})


def test_paginate_reads_the_page_and_keeps_in_range():
    assert list(paginate(factory.get("/?page=2"), list(range(45)), 20)) == list(range(20, 40))
    assert paginate(factory.get("/?page=9"), list(range(45)), 20).number == 3


def test_posted_binds_a_form_only_on_post():
    assert not _NameForm(posted(factory.get("/"))).is_bound
    assert _NameForm(posted(factory.post("/", {}))).is_bound


def test_submit_answers_with_the_save_or_the_status_to_show_the_form_again():
    saved = HttpResponse("ok")
    assert submit(_NameForm({"name": "张三"}), lambda form: saved) == (saved, 200)
    invalid = _NameForm({})
    assert submit(invalid, lambda form: saved) == (None, 422)
    refused = _NameForm({"name": "张三"})
    assert submit(refused, _refuse) == (None, 422)
    assert refused.errors == {"name": ["该姓名已登记"]}


def test_submit_leaves_other_errors_to_the_error_pages():
    def missing(form):
        raise NotFound()

    with pytest.raises(NotFound):
        submit(_NameForm({"name": "张三"}), missing)


def test_form_page_shows_the_form_then_saves_it():
    def save(form):
        return HttpResponse(f"saved {form.cleaned_data['name']}", status=302)

    shown = form_page(factory.get("/"), "web/_form.html", _NameForm(None), save)
    assert shown.status_code == 200 and 'name="name"' in shown.content.decode()
    again = form_page(factory.post("/"), "web/_form.html", _NameForm({}), save)
    assert again.status_code == 422 and "invalid-feedback" in again.content.decode()
    done = form_page(factory.post("/"), "web/_form.html", _NameForm({"name": "李四"}), save)
    assert done.status_code == 302 and done.content == "saved 李四".encode()


def test_attachment_names_the_file():
    response = attachment(b"x", "参保人.xlsx")
    assert response["Content-Disposition"].startswith("attachment; filename")
    assert "xlsx" in response["Content-Disposition"]


def test_submit_places_errors_by_a_map_read_after_validation_or_on_a_default_field():
    def refuse_code(form):
        raise ValidationFailed("代码不存在", code="unknown", fields={"code": "该代码不存在"})

    def refuse_file(form):
        raise ValidationFailed("文件不是表格", code="not_a_table")

    mapped = _NameForm({"name": "张三"})
    submit(mapped, refuse_code, field_map=lambda form: {"code": "name"})
    assert mapped.errors == {"name": ["该代码不存在"]}
    about_file = _NameForm({"name": "张三"})
    submit(about_file, refuse_file, default_field="name")
    assert about_file.errors == {"name": ["文件不是表格"]}
    at_top = _NameForm({"name": "张三"})
    submit(at_top, refuse_file)
    assert at_top.non_field_errors() == ["文件不是表格"]
