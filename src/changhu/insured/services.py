"""Every write to the insured register: one function per use case, in a transaction, audited."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from changhu.core import audit, clock, crypto, masking
from changhu.core.errors import Conflict, NotFound, ValidationFailed, field_error
from changhu.core.identity import normalize_phone, parse_id_number
from changhu.core.scope import get_scoped, require
from changhu.insured import rules
from changhu.insured.models import (
    EnrolmentPeriod,
    LifeEvent,
    LifeEventKind,
    Person,
    PersonStatus,
    SpecialGroup,
    SpecialGroupMembership,
)
from changhu.orgs.models import Region, RegionLevel
from changhu.orgs.roles import Right

ID_PURPOSE = "person.id_number"
PHONE_PURPOSE = "person.phone"

AUDIT_LABELS = {
    "name": "姓名",
    "id_number": "身份证号码",
    "phone": "联系电话",
    "address": "居住地址",
    "region_code": "所属地区",
    "latitude": "纬度",
    "longitude": "经度",
    "insurance_type": "参保类型",
    "status": "参保状态",
    "died_on": "死亡日期",
    "special_groups": "特殊群体",
    "enrolment_start": "参保起始日",
}
AUDIT_MASKERS = {
    "id_number": masking.mask_id_number,
    "phone": masking.mask_phone,
    "address": masking.mask_address,
}


@dataclass
class PersonInput:
    """What a caller may set on a person; strings as typed, parsed by :func:`clean_person`."""

    name: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    region_code: str = ""
    latitude: Any = None
    longitude: Any = None
    insurance_type: str = ""
    enrolment_start: Any = None
    special_groups: list[str] = field(default_factory=list)


@dataclass
class CleanPerson:
    name: str
    id_number: str
    birth_date: dt.date
    sex: str
    phone: str
    address: str
    region: Region
    latitude: Any
    longitude: Any
    insurance_type: str
    enrolment_start: dt.date
    special_groups: list[str]


def _regions_by_code(codes: set[str]) -> dict[str, Region]:
    return {
        r.code: r
        for r in Region.objects.filter(
            code__in=codes, active=True, level__in=[RegionLevel.DISTRICT, RegionLevel.STREET]
        )
    }


def clean_person(
    data: PersonInput,
    *,
    regions: dict[str, Region] | None = None,
    today: dt.date | None = None,
) -> CleanPerson:
    """Validate every field at once; raise one error carrying all field messages."""
    problems: dict[str, str] = {}
    first_code = None

    def fail(field_name: str, code: str, message: str) -> None:
        nonlocal first_code
        problems.setdefault(field_name, message)
        first_code = first_code or code

    name = rules.check_name(data.name)
    if isinstance(name, rules.Problem):
        fail(name.field, name.code, name.message)
    facts = None
    try:
        facts = parse_id_number(data.id_number, today=today)
    except ValidationFailed as exc:
        fail("id_number", exc.code, exc.message)
    phone = ""
    try:
        phone = normalize_phone(data.phone)
    except ValidationFailed as exc:
        fail("phone", exc.code, exc.message)
    address = (data.address or "").strip()
    if len(address) > 200:
        fail("address", "address_too_long", "居住地址不能超过200字")
    code = (data.region_code or "").strip()
    region = None
    if not code:
        fail("region_code", "region_required", "请选择所属街道或区县")
    else:
        lookup = regions if regions is not None else _regions_by_code({code})
        region = lookup.get(code)
        if region is None:
            fail("region_code", "region_unknown", f"区划代码{code}不存在或不是区县/街道")
    lat = rules.parse_coordinate(data.latitude, "latitude", -90, 90, "纬度")
    lon = rules.parse_coordinate(data.longitude, "longitude", -180, 180, "经度")
    for parsed in (lat, lon):
        if isinstance(parsed, rules.Problem):
            fail(parsed.field, parsed.code, parsed.message)
    if (
        (lat is None) != (lon is None)
        and not problems.get("latitude")
        and not problems.get("longitude")
    ):
        fail("longitude", "coordinate_pair", "经度和纬度须同时填写")
    insurance_type = rules.parse_insurance_type(data.insurance_type)
    if isinstance(insurance_type, rules.Problem):
        fail(insurance_type.field, insurance_type.code, insurance_type.message)
    start = rules.parse_date(data.enrolment_start, "enrolment_start", "参保起始日")
    today = today or clock.today()
    if isinstance(start, rules.Problem):
        fail(start.field, start.code, start.message)
    elif start is None:
        start = today
    elif start > today:
        fail("enrolment_start", "date_in_future", "参保起始日不能晚于今天")
    elif facts and start < facts.birth_date:
        fail("enrolment_start", "enrolment_before_birth", "参保起始日不能早于出生日期")
    groups = []
    for group in data.special_groups or []:
        if group not in SpecialGroup.values:
            fail("special_groups", "special_group_unknown", f"未知的特殊群体类别：{group}")
        elif group not in groups:
            groups.append(group)
    if problems:
        raise ValidationFailed(
            code=first_code, fields=problems, message=next(iter(problems.values()))
        )
    assert facts is not None and region is not None
    return CleanPerson(
        name=name,
        id_number=facts.number,
        birth_date=facts.birth_date,
        sex=facts.sex,
        phone=phone,
        address=address,
        region=region,
        latitude=lat,
        longitude=lon,
        insurance_type=insurance_type,
        enrolment_start=start,
        special_groups=groups,
    )


def new_insured_no() -> str:
    """``CH`` + two-digit year + 56 random bits: about 1 in 10^10 chance of a clash per person
    at a 10-million register; :func:`person_create` draws again if it happens."""
    return "CH" + clock.today().strftime("%y") + secrets.token_hex(7).upper()


def build_person(clean: CleanPerson) -> Person:
    """An unsaved Person with encrypted, indexed and masked personal data."""
    return Person(
        insured_no=new_insured_no(),
        name=clean.name,
        id_number_enc=crypto.encrypt(clean.id_number),
        id_number_index=crypto.blind_index(clean.id_number, purpose=ID_PURPOSE),
        id_number_masked=masking.mask_id_number(clean.id_number),
        birth_date=clean.birth_date,
        sex=clean.sex,
        phone_enc=crypto.encrypt(clean.phone),
        phone_index=crypto.blind_index(clean.phone, purpose=PHONE_PURPOSE),
        phone_masked=masking.mask_phone(clean.phone),
        address_enc=crypto.encrypt(clean.address),
        address_masked=masking.mask_address(clean.address),
        region=clean.region,
        region_code=clean.region.code,
        latitude=clean.latitude,
        longitude=clean.longitude,
        insurance_type=clean.insurance_type,
    )


def _snapshot(person: Person, groups: list[str] | None = None) -> dict[str, Any]:
    return {
        "name": person.name,
        "id_number": person.id_number,
        "phone": person.phone,
        "address": person.address,
        "region_code": person.region_code,
        "latitude": str(person.latitude) if person.latitude is not None else None,
        "longitude": str(person.longitude) if person.longitude is not None else None,
        "insurance_type": person.insurance_type,
        "status": person.status,
        "died_on": person.died_on.isoformat() if person.died_on else None,
        "special_groups": sorted(groups if groups is not None else person.special_group_codes),
    }


def _check_region_in_scope(scope, region: Region) -> None:
    if not scope.covers_region(region.code):
        raise field_error("region_code", "region_out_of_scope", "所选地区不在您的数据范围内")


def person_create(*, actor, data: PersonInput) -> Person:
    """Register a person: validate, refuse a duplicate ID number, encrypt, audit."""
    scope = require(actor, Right.INSURED_CREATE)
    clean = clean_person(data)
    _check_region_in_scope(scope, clean.region)
    index = crypto.blind_index(clean.id_number, purpose=ID_PURPOSE)
    if Person.objects.filter(id_number_index=index).exists():
        raise Conflict(
            "该身份证号码已登记参保",
            code="person_duplicate_id",
            fields={"id_number": "该身份证号码已登记参保"},
        )
    person = build_person(clean)
    while Person.objects.filter(insured_no=person.insured_no).exists():
        person.insured_no = new_insured_no()
    try:
        with transaction.atomic():
            person.save()
            EnrolmentPeriod.objects.create(
                person=person,
                insurance_type=clean.insurance_type,
                start_date=clean.enrolment_start,
            )
            SpecialGroupMembership.objects.bulk_create(
                SpecialGroupMembership(person=person, group=g, start_date=clean.enrolment_start)
                for g in clean.special_groups
            )
            after = _snapshot(person, clean.special_groups)
            after["enrolment_start"] = clean.enrolment_start.isoformat()
            audit.record(
                action="create",
                obj=person,
                user=actor,
                changes=audit.diff({}, after, labels=AUDIT_LABELS, maskers=AUDIT_MASKERS),
            )
    except IntegrityError:
        raise Conflict(
            "该身份证号码已登记参保",
            code="person_duplicate_id",
            fields={"id_number": "该身份证号码已登记参保"},
        ) from None
    return person


def person_update(
    *, actor, person_id: int, data: PersonInput, expected_version: int | None = None
) -> Person:
    """Change a person's details. The ID number itself is fixed once registered."""
    scope = require(actor, Right.INSURED_UPDATE)
    with transaction.atomic():
        person = get_scoped(Person.objects.select_for_update(), actor, pk=person_id)
        if expected_version is not None and expected_version != person.version:
            raise Conflict("该记录已被他人修改，请刷新后重试", code="stale_version")
        data.id_number = data.id_number or person.id_number
        clean = clean_person(data)
        if clean.id_number != person.id_number:
            raise ValidationFailed(
                "身份证号码登记后不可修改，如有错误请注销后重新登记",
                code="id_number_immutable",
                fields={"id_number": "身份证号码登记后不可修改"},
            )
        _check_region_in_scope(scope, clean.region)
        before = _snapshot(person)
        fresh = build_person(clean)
        for attr in ("name", "region", "region_code", "latitude", "longitude", "insurance_type"):
            setattr(person, attr, getattr(fresh, attr))
        if clean.phone != before["phone"]:
            person.phone_enc, person.phone_index, person.phone_masked = (
                fresh.phone_enc,
                fresh.phone_index,
                fresh.phone_masked,
            )
        if clean.address != before["address"]:
            person.address_enc, person.address_masked = fresh.address_enc, fresh.address_masked
        _sync_groups(person, clean.special_groups)
        after = _snapshot(person, clean.special_groups)
        audit.save_changes(
            person, before, after, user=actor, labels=AUDIT_LABELS, maskers=AUDIT_MASKERS
        )
    return person


def person_set_home_position(
    *, actor, person_id: int, latitude: float, longitude: float, source: str
) -> Person:
    """Give a home without coordinates the position another module vouches for (a caregiver's
    confirmed visit: see ``visits.home_position``). The caller holds the right to do so; this
    only writes, once: coordinates already set are changed through :func:`person_update`.
    Audited with ``source`` as the note."""
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person_id)
        if person.latitude is not None and person.longitude is not None:
            raise Conflict("该参保人的住址已有经纬度", code="home_position_set")
        before = _snapshot(person)
        person.latitude = Decimal(f"{latitude:.6f}")
        person.longitude = Decimal(f"{longitude:.6f}")
        person.version += 1
        person.save(update_fields=["latitude", "longitude", "version", "updated_at"])
        changes = audit.diff(before, _snapshot(person), labels=AUDIT_LABELS, maskers=AUDIT_MASKERS)
        audit.record(action="update", obj=person, user=actor, changes=changes, note=source)
    return person


def _sync_groups(person: Person, wanted: list[str]) -> None:
    today = clock.today()
    current = {m.group: m for m in person.special_groups.filter(end_date__isnull=True)}
    for group, membership in current.items():
        if group not in wanted:
            membership.end_date = max(today, membership.start_date)
            membership.save(update_fields=["end_date"])
    for group in wanted:
        if group not in current:
            SpecialGroupMembership.objects.create(person=person, group=group, start_date=today)


def person_reveal(*, actor, person_id: int, fields: tuple[str, ...] = ("id_number",)) -> dict:
    """The clear values of personal fields, for a user allowed to see them; audited."""
    require(actor, Right.INSURED_VIEW_FULL)
    allowed = {"id_number", "phone", "address"}
    wanted = [f for f in fields if f in allowed]
    if not wanted:
        raise ValidationFailed(
            "请指定要查看的字段",
            code="reveal_fields",
            fields={"fields": "可选：id_number、phone、address"},
        )
    person = get_scoped(Person.objects.all(), actor, pk=person_id)
    with transaction.atomic():
        audit.record_full_view(obj=person, fields=wanted, labels=AUDIT_LABELS, user=actor)
    return {f: getattr(person, f) for f in wanted}


@dataclass
class LifeEventInput:
    kind: str = ""
    start_date: Any = None
    end_date: Any = None
    institution: str = ""
    note: str = ""


def clean_life_event(data: LifeEventInput, *, person: Person, today: dt.date | None = None):
    today = today or clock.today()
    problems: dict[str, str] = {}
    codes: list[str] = []
    if data.kind not in LifeEventKind.values:
        problems["kind"] = "事件类型应为“身故”或“住院”"
        codes.append("life_event_kind")
    start = rules.parse_date(data.start_date, "start_date", "日期")
    end = rules.parse_date(data.end_date, "end_date", "出院日期")
    for parsed in (start, end):
        if isinstance(parsed, rules.Problem):
            problems[parsed.field] = parsed.message
            codes.append(parsed.code)
    if start is None and "start_date" not in problems:
        problems["start_date"] = "请填写日期"
        codes.append("date_required")
    if isinstance(start, dt.date):
        if start > today:
            problems["start_date"] = "日期不能晚于今天"
            codes.append("date_in_future")
        elif start < person.birth_date:
            problems["start_date"] = "日期不能早于出生日期"
            codes.append("date_before_birth")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        problems["end_date"] = "出院日期不能早于入院日期"
        codes.append("date_order")
    if data.kind == LifeEventKind.DEATH and end:
        problems["end_date"] = "身故登记不填写出院日期"
        codes.append("death_end_date")
    if problems:
        raise ValidationFailed(next(iter(problems.values())), code=codes[0], fields=problems)
    return start, end


def person_record_life_event(
    *, actor, person_id: int, data: LifeEventInput, source: str = LifeEvent.Source.MANUAL
) -> LifeEvent:
    """Record a death (the person becomes deceased) or a hospital stay; audited."""
    require(actor, Right.INSURED_LIFE_EVENT)
    with transaction.atomic():
        person = get_scoped(Person.objects.select_for_update(), actor, pk=person_id)
        return apply_life_event(actor=actor, person=person, data=data, source=source)


def apply_life_event(*, actor, person: Person, data: LifeEventInput, source: str) -> LifeEvent:
    """The write itself, for a person already fetched in scope and locked (used by import too)."""
    start, end = clean_life_event(data, person=person)
    if data.kind == LifeEventKind.DEATH:
        if person.status == PersonStatus.DECEASED:
            raise Conflict("该参保人已登记身故", code="person_already_deceased")
    elif person.died_on and start > person.died_on:
        raise field_error("start_date", "date_after_death", "住院日期晚于身故日期")
    elif (
        LifeEvent.objects.filter(
            person=person,
            kind=LifeEventKind.HOSPITAL_STAY,
            start_date__lte=end or dt.date.max,
        )
        .filter(_open_or_ends_after(start))
        .exists()
    ):
        raise Conflict(
            "与已登记的住院期间重叠",
            code="hospital_stay_overlap",
            fields={"start_date": "与已登记的住院期间重叠"},
        )
    event = LifeEvent.objects.create(
        person=person,
        kind=data.kind,
        start_date=start,
        end_date=end,
        institution=(data.institution or "")[:100],
        note=(data.note or "")[:300],
        source=source,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    before = _snapshot(person)
    if data.kind == LifeEventKind.DEATH:
        person.status = PersonStatus.DECEASED
        person.died_on = start
        person.version += 1
        person.save(update_fields=["status", "died_on", "version", "updated_at"])
    label = "身故" if data.kind == LifeEventKind.DEATH else "住院"
    changes = audit.diff(before, _snapshot(person), labels=AUDIT_LABELS, maskers=AUDIT_MASKERS)
    changes["life_event"] = {
        "label": "生命事件",
        "old": None,
        "new": f"{label} {start.isoformat()}" + (f" 至 {end.isoformat()}" if end else ""),
    }
    audit.record(
        action="update",
        obj=person,
        user=actor,
        changes=changes,
        note=f"登记{label}（{event.get_source_display()}）",
    )
    return event


def _open_or_ends_after(start: dt.date):
    from django.db.models import Q

    return Q(end_date__isnull=True) | Q(end_date__gte=start)


def hospital_stay_close(*, actor, event_id: int, end_date) -> LifeEvent:
    """Record the discharge date of an open hospital stay."""
    require(actor, Right.INSURED_LIFE_EVENT)
    with transaction.atomic():
        event = LifeEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            raise NotFound()
        get_scoped(Person.objects.all(), actor, pk=event.person_id)
        if event.kind != LifeEventKind.HOSPITAL_STAY or event.end_date is not None:
            raise Conflict("该住院记录已结束或不是住院记录", code="hospital_stay_closed")
        end = rules.parse_date(end_date, "end_date", "出院日期")
        if isinstance(end, rules.Problem) or end is None or end < event.start_date:
            raise field_error("end_date", "date_order", "出院日期无效或早于入院日期")
        event.end_date = end
        event.save(update_fields=["end_date"])
        audit.record(
            action="update",
            obj=event.person,
            user=actor,
            changes={"life_event": {"label": "出院", "old": None, "new": end.isoformat()}},
        )
    return event


def person_set_status(
    *, actor, person_id: int, status: str, on_date=None, reason: str = ""
) -> Person:
    """Suspend insured status (closing the open enrolment period) or reinstate it (opening one).

    Death is not set here: it is a life event (:func:`person_record_life_event`).
    """
    require(actor, Right.INSURED_UPDATE)
    if status not in (PersonStatus.ACTIVE, PersonStatus.SUSPENDED):
        raise field_error("status", "status_invalid", "参保状态只能设为“正常参保”或“暂停参保”")
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", "reason_required", "请填写变更原因")
    day = rules.parse_date(on_date, "on_date", "生效日期")
    if isinstance(day, rules.Problem):
        raise field_error(day.field, day.code, day.message)
    day = day or clock.today()
    if day > clock.today():
        raise field_error("on_date", "date_in_future", "生效日期不能晚于今天")
    with transaction.atomic():
        person = get_scoped(Person.objects.select_for_update(), actor, pk=person_id)
        if person.status == PersonStatus.DECEASED:
            raise Conflict("该参保人已身故，不能变更参保状态", code="person_deceased")
        if person.status == status:
            raise Conflict(
                f"该参保人已是“{person.get_status_display()}”状态", code="status_unchanged"
            )
        before = _snapshot(person)
        open_period = (
            person.enrolments.filter(end_date__isnull=True).order_by("-start_date").first()
        )
        if status == PersonStatus.SUSPENDED:
            if open_period is not None:
                if day < open_period.start_date:
                    raise field_error("on_date", "date_order", "暂停日期不能早于本次参保起始日")
                open_period.end_date = day
                open_period.save(update_fields=["end_date"])
        else:
            last = person.enrolments.order_by("-start_date").first()
            if last is not None and last.end_date is not None and day <= last.end_date:
                raise field_error("on_date", "date_order", "恢复日期须晚于上次参保终止日")
            EnrolmentPeriod.objects.create(
                person=person,
                insurance_type=person.insurance_type,
                start_date=day,
                note=reason[:200],
            )
        person.status = status
        person.version += 1
        person.save(update_fields=["status", "version", "updated_at"])
        audit.record(
            action="update",
            obj=person,
            user=actor,
            note=f"{reason[:200]}（{day.isoformat()}）",
            changes=audit.diff(
                before, _snapshot(person), labels=AUDIT_LABELS, maskers=AUDIT_MASKERS
            ),
        )
    return person
