"""The insured register's queues on the home page.

Each queue is a preset of the list page's filters, so the count on the card and the rows the
card links to come from the same scoped query.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.urls import reverse

from changhu.core import clock
from changhu.insured.forms import ANY_SPECIAL_GROUP, LifeEventFilterForm, PersonFilterForm
from changhu.orgs.roles import Right
from changhu.web.queues import register_queue

Preset = Callable[[], dict[str, str]]


def _month_start() -> str:
    return clock.today().replace(day=1).isoformat()


def _register(key, label, right, form_class, url_name, preset: Preset, **options) -> None:
    def count(user) -> int:
        return form_class(preset(), user=user).queryset().count()

    def url() -> str:
        return f"{reverse(url_name)}?{urlencode(preset())}"

    register_queue(key, label, right, count, url, **options)


def register() -> None:
    persons, events = "insured:person_list", "insured:life_event_list"
    _register(
        "insured.special_groups",
        "特殊群体参保人",
        Right.INSURED_VIEW,
        PersonFilterForm,
        persons,
        lambda: {"special_group": ANY_SPECIAL_GROUP},
        icon="star",
        hint="特困、低保、重残等优先保障对象",
        order=10,
    )
    _register(
        "insured.in_hospital",
        "在院参保人",
        Right.INSURED_LIFE_EVENT,
        LifeEventFilterForm,
        events,
        lambda: {"kind": "hospital_stay", "open": "1"},
        icon="hospital",
        hint="住院尚未出院，住院期间待遇暂停",
        order=20,
    )
    _register(
        "insured.recent_deaths",
        "近30日身故登记",
        Right.INSURED_LIFE_EVENT,
        LifeEventFilterForm,
        events,
        lambda: {"kind": "death", "days": "30"},
        icon="journal-x",
        hint="核对身故信息，停止相关待遇",
        order=30,
    )
    _register(
        "insured.incomplete",
        "资料待完善",
        Right.INSURED_UPDATE,
        PersonFilterForm,
        persons,
        lambda: {"incomplete": "1"},
        icon="pencil-square",
        hint="缺少联系电话或住址定位",
        order=40,
    )
    _register(
        "insured.new_this_month",
        "本月新增参保人",
        Right.INSURED_VIEW,
        PersonFilterForm,
        persons,
        lambda: {"registered_from": _month_start()},
        icon="person-plus",
        hint="本月登记参保的人员",
        order=50,
    )
