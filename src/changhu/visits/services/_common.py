"""What the visits services share: limits, the visit and finding workflows, and the small checks of
a phone event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid as uuidlib

from django.conf import settings
from django.utils import timezone

from changhu.core.errors import (
    ValidationFailed,
    field_error,
)
from changhu.core.transitions import Transition, Workflow
from changhu.orgs.roles import Right
from changhu.providers.models import Caregiver
from changhu.visits import geo, selectors
from changhu.visits.models import (
    FindingStatus,
    Photo,
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
        "check_out": Transition({_V.IN_PROGRESS}, _V.COMPLETED, Right.VISITS_RECORD, "签退"),
        "cancel": Transition({_V.IN_PROGRESS}, _V.CANCELLED, Right.VISITS_RECORD, "取消"),
    },
    labels=VisitStatus,
)
_F = FindingStatus
FINDING_FLOW = Workflow(
    "finding",
    {
        "confirm": Transition({_F.OPEN}, _F.CONFIRMED, Right.VISITS_RESOLVE, "确认违规"),
        "dismiss": Transition({_F.OPEN}, _F.DISMISSED, Right.VISITS_RESOLVE, "排除"),
    },
    labels=FindingStatus,
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


def _position(latitude, longitude, accuracy_m, datum: str) -> tuple[float, float, float | None]:
    """A reported position as WGS-84, or 422 ``coordinates_out_of_range``. The accuracy is a
    positive number of metres (a phone never reports a perfect fix); None where the caller
    lets it be omitted."""
    try:
        lat, lon = float(latitude), float(longitude)
        acc = None if accuracy_m is None else float(accuracy_m)
    except (TypeError, ValueError):
        raise field_error("latitude", "coordinates_invalid", "经纬度应为数字") from None
    if not geo.valid(lat, lon):
        message = f"经纬度超出范围（纬度-90至90，经度-180至180），收到{lat}, {lon}"
        raise ValidationFailed(
            message,
            code="coordinates_out_of_range",
            fields={"latitude": "纬度应在-90至90之间", "longitude": "经度应在-180至180之间"},
        )
    if acc is not None and not (0 < acc <= 100_000):
        raise field_error("accuracy_m", "accuracy_invalid", "定位精度应大于0且不超过100000米")
    if datum not in geo.DATUMS:
        raise field_error("datum", "datum_invalid", "坐标系应为wgs84、gcj02或bd09")
    lat, lon = geo.to_wgs84(lat, lon, datum)
    return lat, lon, acc


# An event sent online carries the phone's time only for the record; a phone clock more than a
# day behind is refused (offline events keep the rule set's own age limit).
ONLINE_DEVICE_SKEW = dt.timedelta(days=1)


def _plausible(position: tuple[float, float], home: tuple[float, float] | None) -> None:
    why = geo.implausible(position, home)
    if why:
        raise ValidationFailed(
            why,
            code="position_implausible",
            fields={"latitude": why, "longitude": why},
        )


def _event_time(
    device_at: dt.datetime, *, now: dt.datetime, clock: dict, offline: bool
) -> dt.datetime:
    """When the event happened: the server's time online, the device's time for events
    queued offline; a device time ahead of the server beyond the allowed skew is refused."""
    device_at = _aware(device_at)
    if device_at.year < 2000:  # an unset phone clock (0001-01-01, 1970-01-01)
        raise field_error(
            "device_time", "device_time_invalid", "设备时间有误，请校准手机时间后重试"
        )
    skew = dt.timedelta(minutes=clock["max_future_skew_minutes"])
    if device_at > now + skew:
        raise field_error(
            "device_time",
            "time_in_future",
            f"设备时间{timezone.localtime(device_at):%Y-%m-%d %H:%M}晚于服务器时间，"
            "请校准手机时间后重试",
        )
    if not offline:
        if device_at < now - ONLINE_DEVICE_SKEW:
            raise field_error(
                "device_time",
                "device_time_invalid",
                "设备时间与服务器时间相差超过一天，请校准手机时间后重试",
            )
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
    return selectors.caregiver_of(actor)


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
