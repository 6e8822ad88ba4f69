"""The forms of the training pages."""

from __future__ import annotations

from django import forms

from changhu.providers.models import CertificateKind
from changhu.training.models import Audience
from changhu.web.forms import StaffForm, blank_first


class CourseForm(StaffForm):
    name = forms.CharField(label="课程名称", max_length=100)
    audience = forms.ChoiceField(label="培训对象", choices=Audience.choices)
    hours = forms.DecimalField(label="学时", min_value=0.5, max_value=1000, decimal_places=1)
    certificate_kind = forms.ChoiceField(
        label="结业颁发证书",
        required=False,
        choices=blank_first("不颁发证书", CertificateKind.choices),
    )
    validity_months = forms.IntegerField(
        label="证书有效期（月）",
        required=False,
        min_value=1,
        max_value=120,
        help_text="颁发证书时必填，如36个月",
    )
    organizer_id = forms.ChoiceField(label="主办单位", choices=())

    def __init__(self, *args, organizers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizer_id"].choices = [(o.pk, o.name) for o in organizers]


class SessionForm(StaffForm):
    starts_on = forms.DateField(label="开班日期", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="结业日期", widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label="培训地点", max_length=100)
    capacity = forms.IntegerField(label="名额", min_value=1, max_value=1000)
    pass_mark = forms.DecimalField(
        label="合格分数线", initial=60, min_value=0, max_value=100, decimal_places=1
    )


class EnrolForm(StaffForm):
    caregiver_id = forms.ChoiceField(label="护理员", choices=())

    def __init__(self, *args, caregivers=(), label: str = "护理员", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caregiver_id"].label = label
        self.fields["caregiver_id"].choices = blank_first(
            "请选择",
            [(c.pk, f"{c.name}（{c.institution.organization.name}）") for c in caregivers],
        )


class SubsidyForm(StaffForm):
    amount_yuan = forms.DecimalField(
        label="每名合格学员补贴（元）", min_value=0.01, max_value=100000, decimal_places=2
    )
