"""The shared form error banner, "请选择…" for choices, and the note on files to choose again."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from changhu.orgs.models import Organization
from changhu.web.forms import BLANK_CHOICE_LABEL, StaffForm
from changhu.web.templatetags.changhu_web import FILE_NOT_KEPT


class _Form(StaffForm):
    kind = forms.ChoiceField(label="参保类型", choices=[("a", "职工"), ("b", "居民")])
    mode = forms.ChoiceField(label="照护方式", choices=[("a", "居家")], widget=forms.RadioSelect)
    own = forms.ChoiceField(
        label="护理员",
        choices=[("1", "张三")],
        error_messages={"invalid_choice": "请从列表中选择本机构在岗的护理员"},
    )
    optional = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), ("x", "甲")])


def test_missing_or_unknown_choice_asks_to_choose():
    form = _Form({"kind": "", "mode": "zzz", "own": "9"})
    assert not form.is_valid()
    assert form.errors["kind"] == ["请选择参保类型"]
    assert form.errors["mode"] == ["请选择照护方式"]
    # A message the form wrote itself is kept.
    assert form.errors["own"] == ["请从列表中选择本机构在岗的护理员"]


def test_required_select_starts_on_an_empty_option():
    html = str(_Form()["kind"])
    assert re.search(rf'<option value="" selected>{BLANK_CHOICE_LABEL}</option>', html)
    # Radios, optional fields and fields with a default get no extra option.
    assert BLANK_CHOICE_LABEL not in str(_Form()["mode"])
    assert BLANK_CHOICE_LABEL not in str(_Form()["optional"])
    assert BLANK_CHOICE_LABEL not in str(_Form(initial={"kind": "b"})["kind"])


@pytest.mark.django_db
def test_model_choice_field_asks_to_choose(orgs):
    class F(StaffForm):
        org = forms.ModelChoiceField(label="机构", queryset=Organization.objects.all())

    form = F({"org": ""})
    assert BLANK_CHOICE_LABEL in str(form["org"])
    assert not form.is_valid() and form.errors["org"] == ["请选择机构"]


@pytest.mark.django_db
def test_banner_links_each_error_to_its_field(client, users, city):
    client.force_login(users.worker_a)
    response = client.post(
        reverse("insured:person_create"), {"name": "", "id_number": "1", "district": ""}
    )
    html = response.content.decode()
    assert response.status_code == 422
    banner = html[html.index('data-testid="form-errors"') :]
    banner = banner[: banner.index("</div>\n")]
    links = dict(re.findall(r'<a href="#([^"]+)" data-ch-error-link>([^<]+)</a>', html))
    # The empty 区县 is reported on 区县 (not on the optional 街道), and linked to it.
    assert links["id_district"] == "区县"
    assert "id_region_code" not in links
    assert links["id_id_number"] == "身份证号码"
    # A radio group links to its first radio button.
    assert links["id_insurance_type_0"] == "参保类型"
    assert "请选择参保类型" in html
    assert 'data-field-error="district"' in html


@pytest.mark.django_db
def test_unknown_street_stays_on_the_street(client, users, city):
    client.force_login(users.worker_a)
    data = {"name": "陈志强", "district": "510104", "region_code": "510104999000"}
    response = client.post(reverse("insured:person_create"), data)
    html = response.content.decode()
    assert 'data-field-error="region_code"' in html
    assert 'data-field-error="district"' not in html


@pytest.mark.django_db
def test_chosen_files_are_named_as_lost_after_a_failed_submit(client, users, city):
    client.force_login(users.worker_a)
    upload = SimpleUploadedFile("身份证.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")
    response = client.post(reverse("assessment:application_create"), {"id_card": upload})
    html = response.content.decode()
    assert response.status_code in (400, 422)
    assert html.count(FILE_NOT_KEPT) == 2  # next to the input and in the banner
    assert "data-file-not-kept" in html
    # A file input left empty gets no such note.
    response = client.post(reverse("assessment:application_create"), {})
    assert FILE_NOT_KEPT not in response.content.decode()


def test_service_field_names_find_the_form_field():
    from changhu.core.errors import ValidationFailed
    from changhu.web.shortcuts import add_domain_error

    class F(forms.Form):
        institution = forms.ChoiceField(label="护理机构", choices=[("1", "甲")])
        person_id = forms.CharField(widget=forms.HiddenInput, required=False)

    form = F({"institution": "1"})
    form.is_valid()
    exc = ValidationFailed(
        fields={"institution_id": "该机构未签协议", "person_id": "请选择参保人", "x": "其他"}
    )
    add_domain_error(form, exc)
    assert form.errors["institution"] == ["该机构未签协议"]
    # A hidden field shows nothing: its message goes to the top of the form.
    assert form.non_field_errors() == ["请选择参保人", "其他"]
