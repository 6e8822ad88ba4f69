"""The shared field shapes build exactly the fields and checks the tables used to spell out, so
moving a table onto them changes no column and needs no migration."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from changhu.core.fields import (
    encrypted,
    encrypted_indexed,
    ends_after,
    link,
    user_fk,
    who_and_when,
    who_when_why,
)


def deconstructed(field: models.Field) -> tuple:
    _name, path, args, kwargs = field.deconstruct()
    return path, args, kwargs


def test_link_is_a_protected_reference_without_reverse_accessor():
    assert deconstructed(link("insured.Person", "参保人")) == deconstructed(
        models.ForeignKey(
            "insured.Person", verbose_name="参保人", on_delete=models.PROTECT, related_name="+"
        )
    )


def test_an_optional_link_may_be_empty_and_options_pass_through():
    assert deconstructed(
        link("providers.Caregiver", "护理员", optional=True, db_index=False)
    ) == deconstructed(
        models.ForeignKey(
            "providers.Caregiver",
            verbose_name="护理员",
            null=True,
            blank=True,
            on_delete=models.PROTECT,
            related_name="+",
            db_index=False,
        )
    )
    other = link("orgs.Region", related_name="children", on_delete=models.CASCADE)
    assert other.remote_field.related_name == "children"
    assert other.remote_field.on_delete is models.CASCADE
    assert not other.null


def test_who_and_when_pairs_the_user_with_a_time_set_later_or_stamped():
    user, time = who_and_when("裁决人", "裁决时间")
    assert deconstructed(user) == deconstructed(user_fk("裁决人"))
    assert deconstructed(time) == deconstructed(
        models.DateTimeField("裁决时间", null=True, blank=True)
    )
    assert user.creation_counter < time.creation_counter

    _user, created = who_and_when(when="登记时间", on_create=True)
    assert deconstructed(created) == deconstructed(
        models.DateTimeField("登记时间", auto_now_add=True)
    )
    _user, saved = who_and_when(when="更新时间", on_save=True)
    assert deconstructed(saved) == deconstructed(models.DateTimeField("更新时间", auto_now=True))

    required, _time = who_and_when("登记人", "登记时间", on_create=True, blank=False)
    assert not required.blank and required.null
    assert required.remote_field.model == settings.AUTH_USER_MODEL


def test_ends_after_is_the_check_the_tables_wrote_by_hand():
    assert ends_after("start_date", "end_date", "x") == models.CheckConstraint(
        condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="x"
    )
    assert ends_after("valid_from", "valid_until", "y", open_ended=False) == (
        models.CheckConstraint(condition=Q(valid_until__gte=F("valid_from")), name="y")
    )


def test_an_encrypted_value_comes_with_its_masked_copy_and_maybe_a_blind_index():
    value, masked = encrypted("居住地址", 60)
    assert deconstructed(value) == deconstructed(models.TextField("居住地址（密文）", blank=True))
    assert deconstructed(masked) == deconstructed(
        models.CharField("居住地址", max_length=60, blank=True)
    )

    value, index, masked = encrypted_indexed("身份证号码", 18, required=True, unique=True)
    assert deconstructed(value) == deconstructed(models.TextField("身份证号码（密文）"))
    assert deconstructed(index) == deconstructed(
        models.CharField("身份证号码索引", max_length=64, unique=True)
    )
    assert deconstructed(masked) == deconstructed(models.CharField("身份证号码", max_length=18))

    _value, index, _masked = encrypted_indexed("联系电话", 20)
    assert deconstructed(index) == deconstructed(
        models.CharField("联系电话索引", max_length=64, blank=True, db_index=True)
    )


def test_who_when_why_adds_the_reason_given_with_the_decision():
    user, time, reason = who_when_why("裁决人", "裁决时间", "裁决意见")
    assert deconstructed(user) == deconstructed(user_fk("裁决人"))
    assert deconstructed(time) == deconstructed(
        models.DateTimeField("裁决时间", null=True, blank=True)
    )
    assert deconstructed(reason) == deconstructed(
        models.CharField("裁决意见", max_length=500, blank=True)
    )
    assert user.creation_counter < time.creation_counter < reason.creation_counter
    *_, note = who_when_why("处理人", "处理时间", "处理意见", max_length=1000)
    assert note.max_length == 1000
