"""The public app's forms: the consultation form anyone may post, the filters of the public
lists, and the staff's forms (an article, a reply, a closing note)."""

from __future__ import annotations

from django import forms

from changhu.providers.models import CareMode
from changhu.public.models import ArticleKind, ReplyChannel
from changhu.web import public_forms


class InstitutionFilterForm(forms.Form):
    district = forms.ChoiceField(label="所在区（县）", required=False, choices=())
    mode = forms.ChoiceField(
        label="照护方式", required=False, choices=[("", "全部照护方式"), *CareMode.choices]
    )

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", "全部区（县）"), *districts]


class ConsultationForm(forms.Form):
    name = forms.CharField(label="您的姓名", max_length=40)
    phone = forms.CharField(
        label="联系电话",
        max_length=20,
        help_text="我们会打这个电话答复您，电话号码不会公开",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    district = forms.ChoiceField(label="您所在的区（县）", required=False, choices=())
    question = forms.CharField(
        label="您想咨询的问题", max_length=1000, widget=forms.Textarea(attrs={"rows": 5})
    )
    website = public_forms.honeypot_field()

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", "不清楚，可不选"), *districts]
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["name"].error_messages["required"] = "请填写您的姓名"
        self.fields["phone"].error_messages["required"] = "请填写联系电话，以便我们回复您"
        self.fields["question"].error_messages["required"] = "请填写您想咨询的问题"
        for name in ("name", "phone", "question"):
            self.fields[name].error_messages["max_length"] = "内容过长，最多%(limit_value)d字"
        self.fields["district"].error_messages["invalid_choice"] = "请从列表中选择所在的区（县）"


class ArticleForm(forms.Form):
    kind = forms.ChoiceField(label="栏目", choices=[("", "请选择"), *ArticleKind.choices])
    title = forms.CharField(label="标题", max_length=100)
    summary = forms.CharField(
        label="摘要", max_length=200, required=False, help_text="列表中显示；不填则取正文开头"
    )
    body = forms.CharField(
        label="正文",
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text="空一行分段；“## ”开头为小标题；“- ”开头为列表项，“1. ”开头为编号项；"
        "**两个星号**之间的文字加粗。不支持网页代码，输入的内容按原样显示。",
    )
    order = forms.IntegerField(
        label="排序", min_value=0, max_value=999, initial=100, help_text="数字小的排在前面"
    )
    published = forms.BooleanField(label="发布到公开网站", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label="答复内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    reply_channel = forms.ChoiceField(
        label="答复方式", choices=[("", "请选择"), *ReplyChannel.choices]
    )


class CloseForm(forms.Form):
    note = forms.CharField(
        label="办结说明",
        max_length=300,
        required=False,
        help_text="已答复的可不填；未答复即办结（重复咨询、电话无法接通等）须说明原因",
    )


class ConsultationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[
            ("", "全部"),
            ("open", "待答复"),
            ("replied", "已答复"),
            ("closed", "已办结"),
        ],
    )
