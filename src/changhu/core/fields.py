"""Field shapes the apps' tables share, written once.

- :func:`user_fk`: who did something (recorded, reviewed, uploaded …): a user that may later be
  deleted, so the row keeps a null instead of going with them;
- :func:`who_and_when`: that user with the time they did it, the pair most tables keep for each
  step (``decided_by``/``decided_at``, ``recorded_by``/``recorded_at`` …);
- :func:`who_when_why`: a decision's pair with the reason or opinion written with it;
- :func:`link`: the usual reference to another table's row (a person, an institution, a version
  of a rule file …): protected from deletion, with no reverse accessor unless one is named;
- :func:`ends_after`: the check that an end (a date or a time) is not before its start;
- :func:`encrypted` and :func:`encrypted_indexed`: a personal value stored encrypted
  (``*_enc``), with a masked copy for lists (``*_masked``) and, for exact look-up, a blind
  index (``*_index``);
- :class:`RealName`: a real-name person's identity (name, ID number, birth date, sex, phone),
  with the ID number and phone stored encrypted, blind-indexed for exact look-up and masked for
  lists (``insured.Person``, ``providers.Caregiver``);
- :class:`Located`: a WGS-84 position, optional (a home, an institution, an on-site form);
- :class:`Recorded`: who registered a row and when.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from changhu.core import crypto


def user_fk(verbose_name: str | None = None, **options) -> models.ForeignKey:
    """A nullable link to the user who did something; no reverse accessor."""
    options = {"null": True, "blank": True, "on_delete": models.SET_NULL, **options}
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=verbose_name, related_name="+", **options
    )


def who_and_when(
    who: str | None = None,
    when: str | None = None,
    *,
    on_create: bool = False,
    on_save: bool = False,
    **user_options,
) -> tuple[models.ForeignKey, models.DateTimeField]:
    """Who did something (:func:`user_fk`) and when: stamped by Django when the row is created
    (``on_create``) or every time it is saved (``on_save``), else set by the service when the
    step happens (empty until then). Unpack it into the two fields:
    ``decided_by, decided_at = who_and_when("裁决人", "裁决时间")``."""
    user = user_fk(who, **user_options)  # made first, so it comes first in the model's fields
    if on_create:
        return user, models.DateTimeField(when, auto_now_add=True)
    if on_save:
        return user, models.DateTimeField(when, auto_now=True)
    return user, models.DateTimeField(when, null=True, blank=True)


def who_when_why(
    who: str, when: str, why: str, *, max_length: int = 500
) -> tuple[models.ForeignKey, models.DateTimeField, models.CharField]:
    """A decision taken later (:func:`who_and_when`) with the reason or opinion given for it,
    empty until then: ``decided_by, decided_at, decision_reason = who_when_why("裁决人",
    "裁决时间", "裁决意见")``."""
    user, time = who_and_when(who, when)
    return user, time, models.CharField(why, max_length=max_length, blank=True)


def link(
    to, verbose_name: str | None = None, *, optional: bool = False, **options
) -> models.ForeignKey:
    """A reference to another table's row that the row's deletion may not break
    (``on_delete=PROTECT``) and that adds no accessor to the other model (``related_name="+"``)
    unless ``options`` say otherwise; ``optional`` lets it be empty."""
    if optional:
        options = {"null": True, "blank": True, **options}
    options = {"on_delete": models.PROTECT, "related_name": "+", **options}
    return models.ForeignKey(to, verbose_name=verbose_name, **options)


def ends_after(
    start: str, end: str, name: str, *, open_ended: bool = True
) -> models.CheckConstraint:
    """The check that ``end`` is on or after ``start``; an ``open_ended`` end may be empty."""
    after = models.Q(**{f"{end}__gte": models.F(start)})
    if open_ended:
        return models.CheckConstraint(
            condition=models.Q(**{f"{end}__isnull": True}) | after, name=name
        )
    return models.CheckConstraint(condition=after, name=name)


def encrypted(
    label: str, max_length: int, *, required: bool = False
) -> tuple[models.TextField, models.CharField]:
    """A personal value stored encrypted (:func:`changhu.core.crypto.encrypt`) and as a masked
    copy of ``max_length`` characters for lists: ``address_enc, address_masked =
    encrypted("居住地址", 60)``."""
    blank = not required
    return (
        models.TextField(f"{label}（密文）", blank=blank),
        models.CharField(label, max_length=max_length, blank=blank),
    )


def encrypted_indexed(
    label: str, max_length: int, *, required: bool = False, unique: bool = False
) -> tuple[models.TextField, models.CharField, models.CharField]:
    """:func:`encrypted` with a blind index between the two
    (:func:`changhu.core.crypto.blind_index`) for exact look-up, unique or not:
    ``phone_enc, phone_index, phone_masked = encrypted_indexed("联系电话", 20)``."""
    blank = not required
    value = models.TextField(f"{label}（密文）", blank=blank)
    look_up = {"unique": True} if unique else {"db_index": True}
    index = models.CharField(f"{label}索引", max_length=64, blank=blank, **look_up)
    return value, index, models.CharField(label, max_length=max_length, blank=blank)


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class RealName(models.Model):
    """The identity of a real-name person. Clear values are read only through ``id_number`` and
    ``phone``, and callers that show them audit the view."""

    name = models.CharField("姓名", max_length=40, db_index=True)
    id_number_enc, id_number_index, id_number_masked = encrypted_indexed(
        "身份证号码", 18, required=True, unique=True
    )
    birth_date = models.DateField("出生日期")
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    phone_enc, phone_index, phone_masked = encrypted_indexed("联系电话", 20)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_enc)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc)


class Located(models.Model):
    latitude = models.DecimalField(
        "纬度(WGS-84)", max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        "经度(WGS-84)", max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        abstract = True


class Recorded(models.Model):
    """A row registered by someone (``created_by``) at a time (``created_at``)."""

    created_by, created_at = who_and_when(when="登记时间", on_create=True)

    class Meta:
        abstract = True
