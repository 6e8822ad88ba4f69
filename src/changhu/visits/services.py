"""Every write of the visits app: check-in, check-out, offline batches, photos, bed-days,
patrol visits, finding resolution and screening requests.

Phone events are idempotent: each carries a client-made UUID, and a retry of an event that was
recorded returns the recorded result. An event that is refused changes nothing, so its retry
is judged afresh. Visits are their own evidence record (who, whom, when on the device and on
the server, where with accuracy, what, photos, confirmation); they are not copied into the
audit trail. Check-out and cancellation go through the visit workflow and its transition log;
bed-day changes and finding resolutions are audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid as uuidlib
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from changhu.assessment.models import Application
from changhu.care import eligibility
from changhu.care.models import Assignment, CatalogueItem
from changhu.core import audit, clock, crypto, months
from changhu.core.db import prepared_statements
from changhu.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    field_error,
)
from changhu.core.models import AuditEntry
from changhu.core.scope import get_scoped, require, scope_of
from changhu.core.transitions import Transition, Workflow, apply
from changhu.core.uploads import check_image
from changhu.insured.models import ApplicantLink, Person
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.providers.models import Caregiver, CaregiverKind, CaregiverStatus, Institution
from changhu.visits import geo, rules, rulesets
from changhu.visits.facts import check_in_facts
from changhu.visits.models import (
    BedDay,
    BedDayKind,
    ConfirmationMethod,
    Finding,
    FindingStatus,
    PatrolVisit,
    Photo,
    RunStatus,
    ScreeningRun,
    ShortVisitReason,
    Stay,
    Visit,
    VisitItem,
    VisitStatus,
)

ONE_DAY = dt.timedelta(days=1)
PHOTO_MAX_BYTES = 5 * 1024 * 1024
MAX_BATCH_EVENTS = 200
MAX_ITEMS = 30
MAX_QUANTITY = 20

_V = VisitStatus
VISIT_FLOW = Workflow(
    "visit",
    {
        "check_out": Transition(
            frozenset({_V.IN_PROGRESS}), _V.COMPLETED, Right.VISITS_RECORD, "签退"
        ),
        "cancel": Transition(
            frozenset({_V.IN_PROGRESS}), _V.CANCELLED, Right.VISITS_RECORD, "取消"
        ),
    },
    labels=dict(VisitStatus.choices),
)
_F = FindingStatus
FINDING_FLOW = Workflow(
    "finding",
    {
        "confirm": Transition(frozenset({_F.OPEN}), _F.CONFIRMED, Right.VISITS_RESOLVE, "确认违规"),
        "dismiss": Transition(frozenset({_F.OPEN}), _F.DISMISSED, Right.VISITS_RESOLVE, "排除"),
    },
    labels=dict(FindingStatus.choices),
)


# --- small checks ---------------------------------------------------------------------------


def _uuid(value, name: str = "client_uuid") -> uuidlib.UUID:
    try:
        return value if isinstance(value, uuidlib.UUID) else uuidlib.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise field_error(name, "uuid_invalid", "事件编号应为UUID") from None


def _aware(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_default_timezone())
    return value


def _position(latitude, longitude, accuracy_m, datum: str) -> tuple[float, float, float]:
    """A reported position as WGS-84, or 422 ``coordinates_out_of_range``."""
    try:
        lat, lon, acc = float(latitude), float(longitude), float(accuracy_m)
    except (TypeError, ValueError):
        raise field_error("latitude", "coordinates_invalid", "经纬度应为数字") from None
    if not geo.valid(lat, lon):
        message = f"经纬度超出范围（纬度-90至90，经度-180至180），收到{lat}, {lon}"
        raise ValidationFailed(
            message,
            code="coordinates_out_of_range",
            fields={"latitude": "纬度应在-90至90之间", "longitude": "经度应在-180至180之间"},
        )
    if not (0 <= acc <= 100_000):
        raise field_error("accuracy_m", "accuracy_invalid", "定位精度应为0至100000米")
    if datum not in geo.DATUMS:
        raise field_error("datum", "datum_invalid", "坐标系应为wgs84、gcj02或bd09")
    lat, lon = geo.to_wgs84(lat, lon, datum)
    return lat, lon, acc


def _event_time(
    device_at: dt.datetime, *, now: dt.datetime, clock: dict, offline: bool
) -> dt.datetime:
    """When the event happened: the server's time online, the device's time for events
    queued offline; a device time ahead of the server beyond the allowed skew is refused."""
    device_at = _aware(device_at)
    skew = dt.timedelta(minutes=clock["max_future_skew_minutes"])
    if device_at > now + skew:
        raise field_error(
            "device_time",
            "time_in_future",
            f"设备时间{timezone.localtime(device_at):%Y-%m-%d %H:%M}晚于服务器时间，"
            "请校准手机时间后重试",
        )
    if not offline:
        return now
    oldest = now - dt.timedelta(hours=clock["max_offline_age_hours"])
    if device_at < oldest:
        raise field_error(
            "device_time",
            "time_too_old",
            f"离线记录超过{clock['max_offline_age_hours']}小时未上传，请联系机构补录",
        )
    return device_at


def _caregiver_of(actor) -> Caregiver:
    require(actor, Right.VISITS_RECORD)
    caregiver = Caregiver.objects.select_related("institution").filter(user_id=actor.pk).first()
    if caregiver is None:
        raise PermissionDenied("当前账号未关联护理员档案", code="not_a_caregiver")
    return caregiver


def _family_code_key() -> bytes:
    return hashlib.sha256(b"changhu-family-code:" + settings.SECRET_KEY.encode()).digest()


def _photo_id(sha256: str, field_name: str) -> int:
    sha = (sha256 or "").strip().lower()
    if not sha:
        raise field_error(field_name, "photo_required", "请拍摄照片")
    photo = Photo.objects.filter(sha256=sha).values_list("pk", flat=True).first()
    if photo is None:
        raise field_error(field_name, "photo_unknown", "照片尚未上传，请先上传照片")
    return photo


# --- photos ---------------------------------------------------------------------------------


def photo_upload(*, actor, upload) -> tuple[Photo, bool]:
    """Store a JPEG/PNG checked by content; the same content is stored once (by SHA-256)."""
    s = scope_of(actor)
    if not (s.can(Right.VISITS_RECORD) or s.can(Right.VISITS_PATROL)):
        raise PermissionDenied()
    checked = check_image(upload, max_bytes=PHOTO_MAX_BYTES, field="file")
    existing = Photo.objects.filter(sha256=checked.sha256).first()
    if existing is not None:
        return existing, False
    institution = None
    if s.organization_kind == OrgKind.CARE:
        institution = Institution.objects.filter(organization_id=s.organization_id).first()
    upload.seek(0)
    photo = Photo(
        sha256=checked.sha256,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
        institution=institution,
    )
    photo.file.save(f"{checked.sha256}.{checked.extension}", ContentFile(upload.read()), save=False)
    try:
        with transaction.atomic():
            photo.save()
    except IntegrityError:
        photo.file.delete(save=False)
        return Photo.objects.get(sha256=checked.sha256), False
    return photo, True


# --- check-in -------------------------------------------------------------------------------


@dataclass
class CheckIn:
    client_uuid: object
    person_id: int
    device_time: dt.datetime
    latitude: float
    longitude: float
    accuracy_m: float
    photo_sha256: str = ""
    datum: str = "wgs84"


def visit_check_in(
    *, actor, data: CheckIn, offline: bool = False, now: dt.datetime | None = None
) -> tuple[Visit, bool]:
    """Start a visit. Returns ``(visit, created)``; a retry of a recorded event returns the
    recorded visit with ``created`` False. The hot path: one query reads every fact needed.
    Visits do not overlap: while the caregiver or the person has a visit in progress, a new
    check-in is refused with 409 ``visit_overlaps`` (decided by the insert, see below)."""
    require(actor, Right.VISITS_RECORD)
    key = _uuid(data.client_uuid)
    try:
        person_id = int(data.person_id)
    except (TypeError, ValueError):
        raise field_error("person_id", "person_invalid", "参保人编号有误") from None
    lat, lon, accuracy = _position(data.latitude, data.longitude, data.accuracy_m, data.datum)
    now = now or clock.now()
    device_at = _aware(data.device_time)
    day = timezone.localdate(device_at if offline else now)
    known = check_in_facts(
        person_id=person_id,
        day=day,
        user_id=actor.pk,
        photo_sha256=data.photo_sha256,
        client_uuid=key,
    )
    caregiver = known.caregiver
    if caregiver is None:
        raise PermissionDenied("当前账号未关联护理员档案", code="not_a_caregiver")
    if known.existing_visit_id is not None:
        if known.existing_caregiver_id != caregiver.id:
            raise Conflict("事件编号已被使用", code="uuid_reused")
        return Visit.objects.get(pk=known.existing_visit_id), False
    rule_data = rulesets.rules_on(timezone.localdate(now))
    at = _event_time(data.device_time, now=now, clock=rule_data.clock, offline=offline)
    if (
        caregiver.status != CaregiverStatus.ACTIVE
        or caregiver.hired_on > day
        or (caregiver.left_on is not None and caregiver.left_on <= day)
    ):
        raise Conflict("护理员不在岗，不能签到", code="caregiver_not_active")
    family_match = caregiver.kind == CaregiverKind.FAMILY and caregiver.beneficiary_id == person_id
    if known.person_id is None or not (known.assigned or family_match):
        raise field_error(
            "person_id", "not_assigned", "该参保人不是您的服务对象（没有有效的护理员派定）"
        )
    answer = eligibility.answer(known.facts, day)
    if not answer.eligible:
        raise Conflict(
            f"该参保人{day.isoformat()}不能享受护理服务：{answer.reason_label}",
            code="not_entitled",
            fields={"person_id": answer.reason_label},
        )
    if answer.institution_id != caregiver.institution_id:
        raise Conflict(
            f"该参保人{day.isoformat()}不由本机构提供服务",
            code="not_entitled",
            fields={"person_id": "不是本机构的服务对象"},
        )
    if not data.photo_sha256:
        raise field_error("photo_sha256", "photo_required", "签到需要拍摄照片")
    if known.photo_id is None:
        raise field_error("photo_sha256", "photo_unknown", "照片尚未上传，请先上传照片")
    place = rules.judge_place(
        home=known.home, position=(lat, lon), accuracy_m=accuracy, **rule_data.geofence
    )
    visit = Visit(
        client_uuid=key,
        caregiver_id=caregiver.id,
        person_id=person_id,
        institution_id=caregiver.institution_id,
        region_code=known.region_code,
        service_date=day,
        status=VisitStatus.IN_PROGRESS,
        offline=offline,
        rule_version=rule_data.version,
        check_in_at=at,
        check_in_device_at=_aware(data.device_time),
        check_in_received_at=now,
        check_in_latitude=lat,
        check_in_longitude=lon,
        check_in_accuracy_m=accuracy,
        check_in_distance_m=place.distance_m,
        check_in_place=place.result,
        check_in_photo_id=known.photo_id,
        place_result=place.result,
        payable=False,
    )
    refusals = 0
    while True:
        try:
            _insert(visit)
            return visit, True
        except IntegrityError:
            # A retry of this event that won a race, or a visit already in progress for the
            # caregiver or the person: the partial unique indexes refuse the insert, so the
            # rule costs no look-up on the hot path and concurrent check-ins cannot both win.
            refusals += 1
            existing = Visit.objects.filter(client_uuid=key).first()
            if existing is not None:
                if existing.caregiver_id != caregiver.id:
                    raise Conflict("事件编号已被使用", code="uuid_reused") from None
                return existing, False
            overlap = _overlap(caregiver_id=caregiver.id, person_id=person_id, now=now)
            if overlap is not None:
                raise overlap from None
            if refusals == 3:  # not a rule of ours: another constraint
                raise
            # The visit in the way was checked out in the meantime: try again.


def _insert(visit: Visit) -> None:
    if transaction.get_connection().in_atomic_block:
        with transaction.atomic():  # a savepoint: the caller's transaction survives a refusal
            visit.save(force_insert=True)
    else:
        with prepared_statements():  # autocommit: one prepared statement, no BEGIN/COMMIT
            visit.save(force_insert=True)


def _since(at: dt.datetime, now: dt.datetime) -> str:
    local = timezone.localtime(at)
    if local.date() == timezone.localdate(now):
        return f"今天{local:%H:%M}"
    return f"{local.month}月{local.day}日{local:%H:%M}"


def _overlap(*, caregiver_id: int, person_id: int, now: dt.datetime) -> Conflict | None:
    """409 ``visit_overlaps`` naming the visit in progress of the caregiver (first) or of the
    person, or None if there is none (any more)."""
    open_visits = (
        Visit.objects.filter(status=VisitStatus.IN_PROGRESS)
        .filter(Q(caregiver_id=caregiver_id) | Q(person_id=person_id))
        .select_related("caregiver", "person")
    )
    visit = min(open_visits, key=lambda v: v.caregiver_id != caregiver_id, default=None)
    if visit is None:
        return None
    since = _since(visit.check_in_at, now)
    details = {"open_visit_id": visit.pk, "check_in_at": visit.check_in_at.isoformat()}
    name = visit.person.name
    if visit.caregiver_id == caregiver_id and visit.person_id == person_id:
        details.update(busy="caregiver", open_visit_uuid=str(visit.client_uuid))
        message = f"您{since}已在{name}家签到，本次服务尚未签退，请先签退再开始新的服务"
    elif visit.caregiver_id == caregiver_id:
        details.update(busy="caregiver", open_visit_uuid=str(visit.client_uuid))
        message = (
            f"您{since}在{name}家签到的上门服务尚未签退，不能同时开始另一次服务。"
            "请先签退该服务；已无法签退的（如已离开），请联系机构处理"
        )
    else:
        details["busy"] = "person"
        message = (
            f"{name}正在接受护理员{visit.caregiver.name}的上门服务（{since}签到，尚未签退），"
            "同一时间只能有一位护理员服务，请待其签退后再签到"
        )
    return Conflict(message, code="visit_overlaps", details=details)


# --- check-out ------------------------------------------------------------------------------


@dataclass
class ItemLine:
    item_id: int
    quantity: int = 1


@dataclass
class CheckOut:
    client_uuid: object
    visit_uuid: object
    device_time: dt.datetime
    latitude: float
    longitude: float
    accuracy_m: float
    items: list[ItemLine] = field(default_factory=list)
    photo_sha256: str = ""
    confirmation_method: str = ""
    confirmation_code: str = ""
    signature_sha256: str = ""
    datum: str = "wgs84"
    short_reason: str = ""
    short_reason_note: str = ""


# Below this share of the items' reference minutes a check-out needs a reason, unless the rule
# set in force says otherwise (its ``too_short.min_ratio``: what screening would flag anyway).
DEFAULT_SHORT_RATIO = 0.5
# A check-out this soon after the check-in is no visit at all: refused.
MIN_VISIT = dt.timedelta(minutes=1)


def short_visit_ratio(rule_data) -> float:
    """The share of the reference minutes under which a check-out asks for a reason."""
    too_short = rule_data.params["rules"].get("too_short", {})
    return float(too_short.get("min_ratio", DEFAULT_SHORT_RATIO))


def _short_visit(
    *, check_in_at: dt.datetime, at: dt.datetime, reference: int, ratio: float, data: CheckOut
) -> tuple[str, str]:
    """The reason recorded for a visit ended early: refused with ``visit_too_short`` when it
    lasted under a minute, ``short_reason_required`` when under the ratio without a reason."""
    if at - check_in_at < MIN_VISIT:
        raise field_error(
            "device_time",
            "visit_too_short",
            "签到后不到1分钟，不能签退。请完成服务后再签退；如无法提供服务，请在签退页面取消本次记录",
        )
    minutes = rules.duration_minutes(check_in_at, at)
    reason = (data.short_reason or "").strip()
    note = (data.short_reason_note or "").strip()
    if minutes >= ratio * reference:
        return "", ""
    if not reason:
        raise ValidationFailed(
            f"服务时长{minutes}分钟，不足所选项目参考时长{reference}分钟的{round(ratio * 100)}%，"
            "请选择提前结束的原因后再签退",
            code="short_reason_required",
            fields={"short_reason": "请选择提前结束的原因"},
            details={
                "duration_minutes": minutes,
                "reference_minutes": reference,
                "reasons": [{"code": c, "label": label} for c, label in ShortVisitReason.choices],
            },
        )
    if reason not in ShortVisitReason.values:
        raise field_error("short_reason", "short_reason_invalid", "请从列表中选择提前结束的原因")
    if reason == ShortVisitReason.OTHER and not note:
        raise field_error(
            "short_reason_note", "short_reason_note_required", "选择“其他”时请说明原因"
        )
    return reason, note[:200]


def _items(lines: list[ItemLine]) -> tuple[list[tuple[CatalogueItem, int]], int]:
    if not lines:
        raise field_error("items", "items_required", "请勾选本次完成的服务项目")
    if len(lines) > MAX_ITEMS:
        raise field_error("items", "items_too_many", f"一次服务最多记录{MAX_ITEMS}个项目")
    ids = [int(line.item_id) for line in lines]
    if len(set(ids)) != len(ids):
        raise field_error("items", "item_repeated", "同一服务项目请合并为一行并填写次数")
    for line in lines:
        if not (1 <= int(line.quantity) <= MAX_QUANTITY):
            raise field_error("items", "quantity_invalid", f"次数应为1至{MAX_QUANTITY}")
    found = CatalogueItem.objects.in_bulk(ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise field_error("items", "item_unknown", f"服务项目不存在：{missing[0]}")
    chosen = [(found[int(line.item_id)], int(line.quantity)) for line in lines]
    return chosen, sum(item.reference_minutes * quantity for item, quantity in chosen)


def visit_check_out(
    *, actor, data: CheckOut, offline: bool = False, now: dt.datetime | None = None
) -> tuple[Visit, bool]:
    """Finish a visit with the items done, position, photo and the family's confirmation."""
    key = _uuid(data.client_uuid)
    caregiver = _caregiver_of(actor)
    existing = Visit.objects.filter(check_out_uuid=key).first()
    if existing is not None:
        if existing.caregiver_id != caregiver.pk:
            raise Conflict("事件编号已被使用", code="uuid_reused")
        return existing, False
    visit_key = _uuid(data.visit_uuid, "visit_uuid")
    visit = (
        Visit.objects.select_related("person")
        .filter(client_uuid=visit_key, caregiver=caregiver)
        .first()
    )
    if visit is None:
        raise Conflict(
            "没有找到对应的签到记录，请先签到",
            code="no_check_in",
            fields={"visit_uuid": "没有对应的签到记录"},
        )
    now = now or clock.now()
    lat, lon, accuracy = _position(data.latitude, data.longitude, data.accuracy_m, data.datum)
    rule_data = rulesets.rules_on(visit.service_date)
    at = _event_time(data.device_time, now=now, clock=rule_data.clock, offline=offline)
    if at < visit.check_in_at:
        raise field_error("device_time", "checkout_before_checkin", "签退时间早于签到时间")
    if at - visit.check_in_at > dt.timedelta(hours=rule_data.clock["max_visit_hours"]):
        raise field_error(
            "device_time",
            "visit_too_long",
            f"签退距签到超过{rule_data.clock['max_visit_hours']}小时，请联系机构处理",
        )
    chosen, reference = _items(data.items)
    short_reason, short_note = _short_visit(
        check_in_at=visit.check_in_at,
        at=at,
        reference=reference,
        ratio=short_visit_ratio(rule_data),
        data=data,
    )
    photo_id = _photo_id(data.photo_sha256, "photo_sha256")
    signature_id = None
    method = data.confirmation_method
    if method == ConfirmationMethod.CODE:
        if not rules.family_code_valid(
            _family_code_key(), visit.person_id, at, data.confirmation_code
        ):
            raise field_error(
                "confirmation_code", "confirmation_code_invalid", "家属动态码不正确或已过期"
            )
    elif method == ConfirmationMethod.SIGNATURE:
        signature_id = _photo_id(data.signature_sha256, "signature_sha256")
    else:
        raise field_error(
            "confirmation_method", "confirmation_required", "请由参保人或家属确认（动态码或签字）"
        )
    person = visit.person
    home = None
    if person.latitude is not None and person.longitude is not None:
        home = (float(person.latitude), float(person.longitude))
    place = rules.judge_place(
        home=home, position=(lat, lon), accuracy_m=accuracy, **rule_data.geofence
    )
    updates = {
        "check_out_uuid": key,
        "check_out_at": at,
        "check_out_device_at": _aware(data.device_time),
        "check_out_received_at": now,
        "check_out_latitude": lat,
        "check_out_longitude": lon,
        "check_out_accuracy_m": accuracy,
        "check_out_distance_m": place.distance_m,
        "check_out_place": place.result,
        "check_out_photo_id": photo_id,
        "confirmation_method": method,
        "confirmation_signature_id": signature_id,
        "duration_minutes": rules.duration_minutes(visit.check_in_at, at),
        "reference_minutes": reference,
        "place_result": rules.worst(visit.check_in_place, place.result),
        "payable": not Finding.objects.filter(visit=visit, status=FindingStatus.CONFIRMED).exists(),
        "offline": visit.offline or offline,
        "short_reason": short_reason,
        "short_reason_note": short_note,
    }
    try:
        with transaction.atomic():
            apply(VISIT_FLOW, visit, "check_out", actor=actor, extra_updates=updates)
            VisitItem.objects.bulk_create(
                [VisitItem(visit=visit, item=item, quantity=q) for item, q in chosen]
            )
    except IntegrityError:
        existing = Visit.objects.filter(check_out_uuid=key).first()
        if existing is None:
            raise
        return existing, False
    return visit, True


def visit_cancel(*, actor, visit_id: int, reason: str) -> Visit:
    """Cancel a visit in progress (e.g. the person was not at home): never payable."""
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", "reason_required", "请填写取消原因")
    s = scope_of(actor)
    with transaction.atomic():
        visit = get_scoped(Visit.objects.select_for_update(), actor, pk=visit_id)
        # The caregiver (own visits) or their institution; supervisors resolve findings instead.
        institution_staff = s.organization_kind == OrgKind.CARE and s.can(Right.VISITS_VIEW)
        if not (s.can(Right.VISITS_RECORD) or institution_staff):
            raise PermissionDenied()
        apply(
            VISIT_FLOW,
            visit,
            "cancel",
            actor=actor,
            reason=reason,
            check_right=False,
            extra_updates={"payable": False, "cancel_reason": reason[:300]},
        )
    return visit


# --- offline batch --------------------------------------------------------------------------


@dataclass
class BatchResult:
    index: int
    type: str
    client_uuid: str
    status: str  # "created", "duplicate" or "error"
    visit: Visit | None = None
    error: dict | None = None


def visit_batch(*, actor, events: list[tuple[str, CheckIn | CheckOut]]) -> list[BatchResult]:
    """A day's queued events, in order, each answered on its own: one refused event changes
    nothing and does not stop the ones after it (a check-out whose check-in was refused is
    then refused with ``no_check_in``)."""
    require(actor, Right.VISITS_RECORD)
    if len(events) > MAX_BATCH_EVENTS:
        raise field_error("events", "batch_too_large", f"一次最多上传{MAX_BATCH_EVENTS}条记录")
    results = []
    now = clock.now()
    for index, (kind, data) in enumerate(events):
        try:
            with transaction.atomic():
                if kind == "check_in":
                    visit, created = visit_check_in(actor=actor, data=data, offline=True, now=now)
                elif kind == "check_out":
                    visit, created = visit_check_out(actor=actor, data=data, offline=True, now=now)
                else:
                    raise field_error("type", "event_type_invalid", "事件类型应为签到或签退")
        except DomainError as exc:
            results.append(
                BatchResult(index, kind, str(data.client_uuid), "error", error=exc.as_dict())
            )
            continue
        status = "created" if created else "duplicate"
        results.append(BatchResult(index, kind, str(data.client_uuid), status, visit=visit))
    return results


# --- the family's code ----------------------------------------------------------------------


def family_code_issue(*, actor, person_id: int, now: dt.datetime | None = None) -> dict:
    """The code the family's phone shows for the person they act for."""
    require(actor, Right.INSURED_SELF)
    if not ApplicantLink.objects.filter(user=actor, person_id=person_id).exists():
        raise NotFound()
    now = now or clock.now()
    return {
        "person_id": int(person_id),
        "code": rules.family_code(_family_code_key(), int(person_id), now),
        "valid_until": rules.code_valid_until(now),
    }


def family_code_for(person_id: int, at: dt.datetime) -> str:
    """The code of a moment (tests, demo data and the benchmark act as the family)."""
    return rules.family_code(_family_code_key(), int(person_id), at)


# --- bed-days -------------------------------------------------------------------------------


def _own_institution(actor, right: str) -> Institution:
    s = require(actor, right)
    if s.organization_kind != OrgKind.CARE:
        raise PermissionDenied("只有护理机构可以登记")
    institution = Institution.objects.filter(organization_id=s.organization_id).first()
    if institution is None:
        raise PermissionDenied("本机构尚未成为定点护理机构")
    return institution


def _day(value, name: str, label: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise field_error(name, "date_invalid", f"{label}应为YYYY-MM-DD格式的日期") from None


def _stay_days(stay: Stay, through: dt.date) -> list[dt.date]:
    """The days a stay counts: admission day, not discharge day (one day if both the same)."""
    last = through
    if stay.discharged_on is not None:
        end = stay.discharged_on
        last = min(last, end if end == stay.admitted_on else end - ONE_DAY)
    days, day = [], stay.admitted_on
    while day <= last:
        days.append(day)
        day += ONE_DAY
    return days


def bed_days_fill(*, through: dt.date | None = None, institution_id: int | None = None) -> int:
    """Write the missing in-bed days of every stay up to ``through`` (today by default).
    Idempotent: existing days, whatever their kind, are left as they are."""
    through = through or clock.today()
    stays = Stay.objects.filter(admitted_on__lte=through).filter(
        Q(discharged_on__isnull=True) | Q(discharged_on__gte=through - dt.timedelta(days=62))
    )
    if institution_id:
        stays = stays.filter(institution_id=institution_id)
    created = 0
    for stay in stays:
        start = max(stay.admitted_on, through - dt.timedelta(days=62))
        have = set(
            BedDay.objects.filter(person_id=stay.person_id, day__gte=start).values_list(
                "day", flat=True
            )
        )
        rows = [
            BedDay(
                person_id=stay.person_id,
                institution_id=stay.institution_id,
                stay=stay,
                region_code=stay.region_code,
                day=day,
                kind=BedDayKind.IN_BED,
            )
            for day in _stay_days(stay, through)
            if day >= start and day not in have
        ]
        BedDay.objects.bulk_create(rows, ignore_conflicts=True)
        created += len(rows)
    return created


def stay_admit(
    *, actor, person_id: int, admitted_on, bed_number: str = "", today: dt.date | None = None
) -> Stay:
    """入住: a resident admitted for institutional care; in-bed days start from this day."""
    institution = _own_institution(actor, Right.VISITS_BED_DAYS)
    day = _day(admitted_on, "admitted_on", "入住日期")
    today = today or clock.today()
    if day > today:
        raise field_error("admitted_on", "date_in_future", "入住日期不能晚于今天")
    answer = eligibility.answer(check_in_facts(person_id=person_id, day=day).facts, day)
    if answer.care_mode != "institutional" or answer.institution_id != institution.pk:
        raise Conflict(
            f"该参保人{day}没有在本机构机构照护的待遇安排", code="not_institutional_beneficiary"
        )
    person = Person.objects.get(pk=person_id)
    with transaction.atomic():
        if Stay.objects.filter(person_id=person_id, discharged_on__isnull=True).exists():
            raise Conflict("该参保人已在院，请先办理出院", code="stay_open")
        if Stay.objects.filter(person_id=person_id, discharged_on__gt=day).exists():
            raise Conflict("入住日期与以前的入住记录重叠", code="stay_overlap")
        stay = Stay.objects.create(
            person=person,
            institution=institution,
            region_code=person.region_code,
            admitted_on=day,
            bed_number=(bed_number or "")[:20],
            recorded_by=actor,
        )
        bed_days_fill(through=today, institution_id=institution.pk)
        audit.record(action="create", obj=stay, user=actor, note=f"入住{day}")
    return stay


def stay_discharge(*, actor, stay_id: int, discharged_on, today: dt.date | None = None) -> Stay:
    """出院: the discharge day and later are no longer bed-days."""
    institution = _own_institution(actor, Right.VISITS_BED_DAYS)
    day = _day(discharged_on, "discharged_on", "出院日期")
    today = today or clock.today()
    with transaction.atomic():
        stay = get_scoped(Stay.objects.select_for_update(), actor, pk=stay_id)
        if stay.institution_id != institution.pk:
            raise NotFound()
        if stay.discharged_on is not None:
            raise Conflict("该入住记录已办理出院", code="stay_closed")
        if day < stay.admitted_on:
            raise field_error("discharged_on", "date_order", "出院日期不能早于入住日期")
        if day > today:
            raise field_error("discharged_on", "date_in_future", "出院日期不能晚于今天")
        stay.discharged_on = day
        stay.save(update_fields=["discharged_on"])
        kept = set(_stay_days(stay, day))
        later = BedDay.objects.filter(stay=stay).exclude(day__in=kept)
        later.filter(findings__isnull=True).delete()
        later.update(payable=False)
        audit.record(action="update", obj=stay, user=actor, note=f"出院{day}")
    return stay


def bed_days_mark(
    *, actor, person_id: int, first, last, kind: str, today: dt.date | None = None
) -> int:
    """Mark days of a stay as leave, transfer to hospital, or back in bed."""
    institution = _own_institution(actor, Right.VISITS_BED_DAYS)
    if kind not in BedDayKind.values:
        raise field_error("kind", "kind_invalid", "类别应为在床、请假离院或转院住院")
    start, end = _day(first, "first", "起始日"), _day(last, "last", "截止日")
    today = today or clock.today()
    if end < start:
        raise field_error("last", "date_order", "截止日不能早于起始日")
    if end > today:
        raise field_error("last", "date_in_future", "不能登记今天以后的床日")
    with transaction.atomic():
        stay = (
            Stay.objects.filter(
                person_id=person_id, institution=institution, admitted_on__lte=start
            )
            .filter(Q(discharged_on__isnull=True) | Q(discharged_on__gt=end))
            .first()
        )
        if stay is None:
            raise Conflict("所选日期不在本机构的入住期间内", code="no_stay")
        bed_days_fill(through=today, institution_id=institution.pk)
        changed = BedDay.objects.filter(
            person_id=person_id, stay=stay, day__gte=start, day__lte=end
        ).update(kind=kind)
        audit.record(
            action="update",
            obj=stay,
            user=actor,
            note=f"{start}至{end}登记为{BedDayKind(kind).label}（{changed}天）",
        )
    return changed


# --- patrol visits --------------------------------------------------------------------------


@dataclass
class PatrolInput:
    client_uuid: object
    person_id: int
    device_time: dt.datetime
    results: dict[str, bool]
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None
    datum: str = "wgs84"
    condition_note: str = ""
    findings: str = ""
    follow_up: bool = False
    photo_sha256s: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)


def patrol_record(
    *, actor, data: PatrolInput, now: dt.datetime | None = None
) -> tuple[PatrolVisit, bool]:
    """巡护: the institution's visit to a family-care beneficiary, with the checklist of the
    family caregiver's skills and the person's condition, findings and photos."""
    s = require(actor, Right.VISITS_PATROL)
    key = _uuid(data.client_uuid)
    existing = PatrolVisit.objects.filter(client_uuid=key).first()
    if existing is not None:
        if existing.patroller_id != actor.pk:
            raise Conflict("事件编号已被使用", code="uuid_reused")
        return existing, False
    if s.organization_kind != OrgKind.CARE:
        raise PermissionDenied("只有护理机构可以登记巡护")
    institution = Institution.objects.filter(organization_id=s.organization_id).first()
    if institution is None:
        raise PermissionDenied("本机构尚未成为定点护理机构")
    now = now or clock.now()
    rule_data = rulesets.rules_on(timezone.localdate(now))
    at = _event_time(data.device_time, now=now, clock=rule_data.clock, offline=True)
    day = timezone.localdate(at)
    known = check_in_facts(person_id=data.person_id, day=day)
    answer = eligibility.answer(known.facts, day)
    if (
        known.person_id is None
        or answer.care_mode != "family"
        or (answer.institution_id != institution.pk)
    ):
        raise Conflict(
            f"该参保人{day}不是本机构指导的亲情照护对象",
            code="not_family_care",
            fields={"person_id": "不是本机构的亲情照护对象"},
        )
    checklist = rule_data.checklist
    codes = {entry["code"] for entry in checklist}
    missing = sorted(codes - set(data.results))
    if missing:
        raise field_error("results", "checklist_incomplete", f"检查表未填写完整：{missing[0]}")
    unknown = sorted(set(data.results) - codes)
    if unknown:
        raise field_error("results", "checklist_unknown", f"检查表没有此项：{unknown[0]}")
    position = None
    distance = None
    if data.latitude is not None and data.longitude is not None:
        position = _position(data.latitude, data.longitude, data.accuracy_m or 0, data.datum)
        if known.home:
            distance = round(geo.haversine_m(*known.home, position[0], position[1]))
    photo_ids = [_photo_id(sha, "photo_sha256s") for sha in data.photo_sha256s[:10]]
    results = [
        {
            **entry,
            "ok": bool(data.results[entry["code"]]),
            "note": (data.notes.get(entry["code"], "") or "")[:200],
        }
        for entry in checklist
    ]
    failed = [r for r in results if not r["ok"]]
    family = Caregiver.objects.filter(
        kind=CaregiverKind.FAMILY, beneficiary_id=data.person_id, institution=institution
    ).first()
    with transaction.atomic():
        try:
            with transaction.atomic():
                patrol = PatrolVisit.objects.create(
                    client_uuid=key,
                    institution=institution,
                    person_id=data.person_id,
                    family_caregiver=family,
                    patroller=actor,
                    region_code=known.region_code,
                    visited_at=at,
                    service_date=day,
                    latitude=position[0] if position else None,
                    longitude=position[1] if position else None,
                    accuracy_m=position[2] if position else None,
                    distance_m=distance,
                    checklist_version=rule_data.version,
                    checklist=results,
                    condition_note=(data.condition_note or "")[:500],
                    findings=(data.findings or "")[:1000],
                    follow_up=bool(data.follow_up or failed),
                )
        except IntegrityError:
            return PatrolVisit.objects.get(client_uuid=key), False
        if photo_ids:
            patrol.photos.set(photo_ids)
    return patrol, True


# --- findings -------------------------------------------------------------------------------


def _visits_of_finding(finding: Finding):
    """The visits a confirmed finding stops payment of: its own visit, or for a month of
    suspiciously identical durations, the visits of that caregiver and person that were."""
    if finding.visit_id:
        yield Visit.objects.filter(pk=finding.visit_id)
    elif finding.rule_code == "identical_durations" and finding.caregiver_id:
        first, last = months.bounds(finding.period)
        modal = int(finding.detail.get("modal_minutes", 0))
        tolerance = int(finding.detail.get("tolerance_minutes", 0))
        yield Visit.objects.filter(
            caregiver_id=finding.caregiver_id,
            person_id=finding.person_id,
            service_date__gte=first,
            service_date__lte=last,
            duration_minutes__gte=modal - tolerance,
            duration_minutes__lte=modal + tolerance,
        )


def finding_resolve(*, actor, finding_id: int, decision: str, reason: str) -> Finding:
    """A supervisor confirms a finding (the visit or bed-day is then not paid) or dismisses
    it, with a reason either way."""
    require(actor, Right.VISITS_RESOLVE)
    if decision not in ("confirm", "dismiss"):
        raise field_error("decision", "decision_invalid", "处理结果应为确认违规或排除")
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", "reason_required", "请填写处理意见")
    with transaction.atomic():
        finding = get_scoped(Finding.objects.select_for_update(), actor, pk=finding_id)
        apply(
            FINDING_FLOW,
            finding,
            decision,
            actor=actor,
            reason=reason,
            extra_updates={
                "resolved_by": actor,
                "resolved_at": clock.now(),
                "resolution_reason": reason[:500],
            },
        )
        if decision == "confirm":
            for visits in _visits_of_finding(finding):
                visits.update(payable=False)
            if finding.bed_day_id:
                BedDay.objects.filter(pk=finding.bed_day_id).update(payable=False)
        audit.record(
            action="update",
            obj=finding,
            user=actor,
            note=f"{'确认违规' if decision == 'confirm' else '排除'}：{reason[:200]}",
        )
    return finding


# --- screening requests ---------------------------------------------------------------------


def _period(value: str) -> str:
    try:
        first, _ = months.bounds(str(value))
    except ValueError:
        raise field_error("period", "period_invalid", "月份应为YYYY-MM格式") from None
    return first.strftime("%Y-%m")


def screening_request(*, actor, period: str, source: str = "web") -> ScreeningRun:
    """Queue a screening of a month for the worker (``changhu run-jobs``)."""
    s = require(actor, Right.VISITS_SCREEN) if actor is not None else None
    period = _period(period)
    first, _ = months.bounds(period)
    if first > clock.today():
        raise field_error("period", "period_in_future", "不能稽核尚未开始的月份")
    rule_set = rulesets.rule_set_on(first)
    with transaction.atomic():
        busy = ScreeningRun.objects.filter(
            period=period, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
        )
        if busy.exists():
            raise Conflict(f"{period}的稽核正在进行中", code="screening_in_progress")
        return ScreeningRun.objects.create(
            period=period,
            rule_set_id=rule_set.pk,
            source=source,
            requested_by=actor,
            scope_prefixes=[] if s is None or s.unrestricted else list(s.region_prefixes),
        )


# --- the caregiver's view of today's homes --------------------------------------------------


CONTACT_AUDIT_LABELS = {"address": "居住地址", "phone": "联系电话", "family_phone": "家属电话"}


def map_link(*, latitude, longitude, name: str, address: str) -> str:
    """A link that opens the home in a map app or page (Amap's public URI API, no key): the
    stored WGS-84 position converted to the GCJ-02 the Chinese map draws, else the address."""
    if latitude is not None and longitude is not None:
        lat, lon = geo.wgs84_to_gcj02(float(latitude), float(longitude))
        query = urlencode(
            {"position": f"{lon:.6f},{lat:.6f}", "name": name, "src": "changhu", "callnative": 1}
        )
        return f"https://uri.amap.com/marker?{query}"
    if address:
        return f"https://uri.amap.com/search?{urlencode({'keyword': address, 'src': 'changhu'})}"
    return ""


def home_contacts_reveal(*, actor, caregiver: Caregiver, persons: list[Person], day: dt.date):
    """Full address, phones and a map link of the homes this caregiver serves on ``day``.

    Only persons with an assignment of this caregiver in force that day, while the caregiver
    is on duty, are revealed; everyone else gets nothing (the phone shows the masked address).
    Each person's reveal is audited once a day per user (the phone refreshes the list often).
    """
    if caregiver.status != CaregiverStatus.ACTIVE or caregiver.hired_on > day:
        return {}
    if caregiver.left_on is not None and caregiver.left_on <= day:
        return {}
    assigned = set(
        Assignment.objects.filter(
            caregiver=caregiver,
            institution_id=caregiver.institution_id,
            person_id__in=[p.pk for p in persons],
            start_date__lte=day,
        )
        .exclude(end_date__lt=day)
        .values_list("person_id", flat=True)
    )
    if not assigned:
        return {}
    family = {}
    applications = (
        Application.objects.filter(person_id__in=assigned)
        .exclude(phone_enc="")
        .order_by("person_id", "-submitted_at")
    )
    for application in applications:
        family.setdefault(application.person_id, application)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    seen = set(
        AuditEntry.objects.filter(
            actor=actor,
            action=AuditEntry.Action.VIEW_FULL,
            object_type="insured.person",
            object_id__in=[str(pid) for pid in assigned],
            at__gte=start,
        ).values_list("object_id", flat=True)
    )
    out = {}
    with transaction.atomic():
        for person in persons:
            if person.pk not in assigned:
                continue
            address = person.address
            contacts = []
            application = family.get(person.pk)
            if application is not None:
                relation = application.get_relationship_display()
                contacts.append(
                    {
                        "label": f"家属 {application.applicant_name}（{relation}）",
                        "phone": crypto.decrypt(application.phone_enc),
                    }
                )
            if person.phone_enc:
                contacts.append({"label": f"{person.name}本人", "phone": person.phone})
            out[person.pk] = {
                "address": address,
                "contacts": contacts,
                "map_url": map_link(
                    latitude=person.latitude,
                    longitude=person.longitude,
                    name=person.name,
                    address=address,
                ),
            }
            if str(person.pk) not in seen:
                fields = ["address", "phone"] + (["family_phone"] if application else [])
                audit.record_full_view(
                    obj=person, fields=fields, labels=CONTACT_AUDIT_LABELS, user=actor
                )
    return out
