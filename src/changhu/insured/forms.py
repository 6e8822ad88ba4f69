"""Staff-page forms for the register. They only collect input; the services validate it.

Fields stay optional on the Django side so that every rule, and its Chinese message, comes
from ``services.clean_person`` and friends, the same as through the API.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from changhu.core import clock
from changhu.insured import selectors, services
from changhu.insured.models import (
    InsuranceType,
    LifeEventKind,
    Person,
    PersonStatus,
    SpecialGroup,
)
from changhu.orgs import selectors as org_selectors
from changhu.orgs.models import RegionLevel
from changhu.web.forms import StaffForm, blank_first, date_field

ANY_SPECIAL_GROUP = "any"


def _district_choices(user):
    """District options, read once and only when the widget is rendered."""

    @cache
    def choices():
        districts = org_selectors.districts_in_scope(user=user)
        return blank_first("全部区县") + [(d.code, d.name) for d in districts]

    return choices


def _text(label: str, max_length: int, **attrs) -> forms.CharField:
    """An optional text box: the service says what is missing, in the words of the register."""
    return forms.CharField(
        label=label, required=False, max_length=max_length, widget=forms.TextInput(attrs=attrs)
    )


def _date_text(label: str, **kwargs) -> forms.CharField:
    """A date box whose text the service reads (and refuses in its own words)."""
    widget = forms.DateInput(attrs={"type": "date"})
    return forms.CharField(label=label, required=False, widget=widget, **kwargs)


def start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class FilterForm(StaffForm):
    """List filters for one user; a value that does not parse is ignored, never an error."""

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user

    def value(self, name: str):
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name) or ""


class PersonFilterForm(FilterForm):
    """The person list's filters, on top of the scoped selector."""

    q = forms.CharField(
        label="姓名或身份证号",
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "placeholder": "姓名前几个字或18位身份证号",
                "type": "search",
                "autocomplete": "off",
            }
        ),
    )
    # Not a ChoiceField: a district outside the scope must filter to nothing, not be ignored.
    district = forms.CharField(
        label="区县",
        required=False,
        max_length=12,
        widget=forms.Select,
    )
    status = forms.ChoiceField(
        label="参保状态",
        required=False,
        choices=blank_first("全部状态", PersonStatus.choices),
    )
    insurance_type = forms.ChoiceField(
        label="参保类型",
        required=False,
        choices=blank_first("全部类型", InsuranceType.choices),
    )
    special_group = forms.ChoiceField(
        label="特殊群体",
        required=False,
        choices=blank_first("不限", [(ANY_SPECIAL_GROUP, "任一特殊群体"), *SpecialGroup.choices]),
    )
    registered_from = date_field("登记日期起")
    incomplete = forms.BooleanField(
        label="资料待完善（缺电话或定位）",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    filter_columns = {
        "q": "col-12 col-lg-4",
        **dict.fromkeys(
            ("district", "status", "insurance_type", "special_group"), "col-6 col-lg-2"
        ),
        "incomplete": "col-6 col-lg-4",
    }

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, user=user, **kwargs)
        self.fields["district"].widget.choices = _district_choices(user)

    def clean_district(self) -> str:
        code = self.cleaned_data["district"].strip()
        return code if code.isdigit() else ""

    def queryset(self) -> QuerySet:
        """The scoped persons matching the filters, special groups first."""
        group = self.value("special_group")
        filters = selectors.PersonFilters(
            q=self.value("q"),
            district=self.value("district"),
            status=self.value("status"),
            insurance_type=self.value("insurance_type"),
            special_group="" if group == ANY_SPECIAL_GROUP else group,
        )
        qs = selectors.person_list(fetched_by=self.user, filters=filters)
        if group == ANY_SPECIAL_GROUP:
            qs = qs.filter(is_special=True)
        if self.value("incomplete"):
            qs = qs.filter(Q(phone_index="") | Q(latitude__isnull=True) | Q(longitude__isnull=True))
        since = self.value("registered_from")
        if since:
            qs = qs.filter(created_at__gte=start_of_day(since))
        return qs


class LifeEventFilterForm(FilterForm):
    kind = forms.ChoiceField(
        label="事件",
        required=False,
        choices=blank_first("全部事件", LifeEventKind.choices),
    )
    days = forms.IntegerField(
        label="近N日登记",
        required=False,
        min_value=1,
        max_value=3660,
        widget=forms.NumberInput(attrs={"placeholder": "天数"}),
    )
    open = forms.BooleanField(
        label="仅未出院",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    filter_columns = {"days": "col-6 col-lg-2"}

    def queryset(self) -> QuerySet:
        qs = selectors.life_event_list(
            fetched_by=self.user, kind=self.value("kind"), open_only=bool(self.value("open"))
        ).select_related("person__region", "recorded_by")
        days = self.value("days")
        if days:
            qs = qs.filter(recorded_at__gte=clock.now() - dt.timedelta(days=days))
        return qs.order_by("-recorded_at", "-id")


class PersonForm(StaffForm):
    """Register or edit a person. On edit the ID number is fixed and phone/address stay
    unchanged when left blank, because the form never shows their clear values."""

    required_marks = frozenset({"name", "id_number", "district", "insurance_type"})

    name = _text("姓名", 40, autocomplete="off")
    id_number = _text("身份证号码", 32, autocomplete="off", placeholder="18位")
    phone = _text("联系电话", 20, autocomplete="off")
    address = _text("居住地址", 200, autocomplete="off")
    district = forms.CharField(label="区县", required=False, widget=forms.Select())
    region_code = forms.CharField(label="街道/乡镇", required=False, widget=forms.Select())
    latitude = _text("纬度（WGS-84）", 20, placeholder="如 30.657000")
    longitude = _text("经度（WGS-84）", 20, placeholder="如 104.066000")
    insurance_type = forms.CharField(
        label="参保类型",
        required=False,
        widget=forms.RadioSelect(
            choices=InsuranceType.choices, attrs={"class": "form-check-input"}
        ),
    )
    enrolment_start = _date_text("参保起始日", help_text="不填则为今天")
    special_groups = forms.MultipleChoiceField(
        label="特殊群体",
        required=False,
        choices=SpecialGroup.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    clear_phone = forms.BooleanField(
        label="删除已登记的联系电话",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    clear_address = forms.BooleanField(
        label="删除已登记的居住地址",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput())

    def __init__(self, data=None, *, user, person: Person | None = None, **kwargs):
        if person is not None and data is None:
            kwargs.setdefault("initial", initial_for(person))
        super().__init__(data, **kwargs)
        self.user = user
        self.person = person
        if person is None:
            for name in ("clear_phone", "clear_address", "version"):
                del self.fields[name]
        else:
            del self.fields["enrolment_start"]
            id_field = self.fields["id_number"]
            id_field.disabled = True
            id_field.help_text = "身份证号码登记后不可修改"
            self.fields["phone"].help_text = (
                f"当前：{person.phone_masked}，留空则保持不变" if person.phone_masked else ""
            )
            self.fields["address"].help_text = (
                f"当前：{person.address_masked}，留空则保持不变" if person.address_masked else ""
            )
        district = self._selected_district()
        district_widget = self.fields["district"].widget
        district_widget.choices = blank_first("请选择区县") + [
            (d.code, d.name) for d in org_selectors.districts_in_scope(user=user)
        ]
        district_widget.attrs.update(
            {
                "class": "form-select",
                "hx-get": reverse("insured:street_options"),
                "hx-target": "#id_region_code",
                "hx-trigger": "change",
            }
        )
        street_widget = self.fields["region_code"].widget
        streets = (
            org_selectors.streets_in_scope(user=user, district_code=district) if district else []
        )
        street_widget.choices = street_choices(streets, district_chosen=bool(district))
        street_widget.attrs.update({"class": "form-select"})

    def _selected_district(self) -> str:
        if self.is_bound:
            return (self.data.get("district") or "").strip()
        return self.initial.get("district", "")

    def field_map(self) -> dict[str, str]:
        """The service checks one region code, the street or else the district: its error
        belongs on the street only when a street was chosen, otherwise on the district."""
        street = (self.cleaned_data or {}).get("region_code")
        return {"region_code": "region_code" if street else "district"}

    def to_input(self) -> services.PersonInput:
        d = self.cleaned_data
        person = self.person
        phone, address = d["phone"], d["address"]
        if person is not None:
            # Blank keeps the stored value; the form never had the clear value to show.
            if not phone and not d.get("clear_phone"):
                phone = person.phone
            if not address and not d.get("clear_address"):
                address = person.address
        return services.PersonInput(
            name=d["name"],
            id_number="" if person is not None else d["id_number"],
            phone=phone,
            address=address,
            region_code=d["region_code"] or d["district"],
            latitude=d["latitude"] or None,
            longitude=d["longitude"] or None,
            insurance_type=d["insurance_type"],
            enrolment_start=d.get("enrolment_start") or None,
            special_groups=list(d["special_groups"]),
        )


def street_choices(streets, *, district_chosen: bool) -> list[tuple[str, str]]:
    if not district_chosen:
        return blank_first("请先选择区县")
    return blank_first("（不选街道，仅登记到区县）") + [(s.code, s.name) for s in streets]


def initial_for(person: Person) -> dict:
    region = person.region
    if region.level == RegionLevel.STREET:
        district, street = (region.parent.code if region.parent else ""), region.code
    else:
        district, street = region.code, ""
    return {
        "name": person.name,
        "id_number": person.id_number_masked,
        "district": district,
        "region_code": street,
        "latitude": "" if person.latitude is None else str(person.latitude),
        "longitude": "" if person.longitude is None else str(person.longitude),
        "insurance_type": person.insurance_type,
        "special_groups": person.special_group_codes,
        "version": person.version,
    }


class LifeEventForm(StaffForm):
    kind = forms.CharField(
        label="事件",
        required=False,
        widget=forms.Select(choices=blank_first("请选择", LifeEventKind.choices)),
    )
    start_date = _date_text("发生/入院日期")
    end_date = _date_text("出院日期", help_text="住院未结束可不填；身故不填")
    institution = _text("医院/登记机关", 100)
    note = _text("备注", 300)

    def to_input(self) -> services.LifeEventInput:
        return services.LifeEventInput(**self.cleaned_data)


class HospitalStayCloseForm(StaffForm):
    end_date = forms.CharField(
        label="出院日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )
