"""Positions on the earth: great-circle distance and the Chinese map datums. Pure, no Django.

Phones report WGS-84 and we store WGS-84. Chinese web maps use GCJ-02 (the State Bureau of
Surveying and Mapping's obfuscated datum: AutoNavi/Amap, Tencent) or BD-09 (Baidu, a further
rotation of GCJ-02). Positions entered on such a map are converted to WGS-84 when they come in,
and stored WGS-84 positions are converted when a map needs them, never in between.

GCJ-02 follows the published transformation on the Krasovsky 1940 ellipsoid; outside mainland
China it is the identity. Its inverse has no closed form: :func:`gcj02_to_wgs84` iterates the
forward transformation until it agrees to about a millimetre.
"""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)

_KRASOVSKY_A = 6_378_245.0
_KRASOVSKY_EE = 0.00669342162296594323
_BD_FACTOR = math.pi * 3000.0 / 180.0


def valid(latitude: float, longitude: float) -> bool:
    """Whether a latitude/longitude pair lies in the ranges of the globe."""
    return (
        isinstance(latitude, int | float)
        and isinstance(longitude, int | float)
        and math.isfinite(latitude)
        and math.isfinite(longitude)
        and -90.0 <= latitude <= 90.0
        and -180.0 <= longitude <= 180.0
    )


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS-84 positions."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def offset_m(origin_lat: float, origin_lon: float, lat: float, lon: float) -> tuple[float, float]:
    """(east, north) in metres of a position from an origin, on a local flat approximation
    (good to well under a metre within a few kilometres): for drawing positions around a home."""
    north = math.radians(lat - origin_lat) * EARTH_RADIUS_M
    east = math.radians(lon - origin_lon) * EARTH_RADIUS_M * math.cos(math.radians(origin_lat))
    return east, north


# A reported position farther than this from the home being visited is not a position error of
# a phone (those are metres to a few kilometres) but a wrong datum, a wrong sign or a made-up
# location: it is refused, not judged. Without a known home, a position outside the country's
# box is refused the same way.
MAX_FROM_HOME_M = 50_000


def implausible(position: tuple[float, float], home: tuple[float, float] | None) -> str:
    """Why a reported position cannot be where a home visit happens (Chinese), or ""."""
    lat, lon = position
    if home is not None:
        distance = haversine_m(home[0], home[1], lat, lon)
        if distance > MAX_FROM_HOME_M:
            return f"定位距服务地址约{distance / 1000:.0f}公里，请检查手机定位后重试"
        return ""
    if outside_china(lat, lon):
        return "定位不在服务区域内，请检查手机定位后重试"
    return ""


def outside_china(latitude: float, longitude: float) -> bool:
    """The bounding box inside which GCJ-02 differs from WGS-84."""
    return not (72.004 <= longitude <= 137.8347 and 0.8293 <= latitude <= 55.8271)


def _shift_lat(x: float, y: float) -> float:
    s = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    s += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    s += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    s += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return s


def _shift_lon(x: float, y: float) -> float:
    s = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    s += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    s += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    s += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return s


def wgs84_to_gcj02(latitude: float, longitude: float) -> tuple[float, float]:
    """WGS-84 (lat, lon) to GCJ-02 (lat, lon)."""
    if outside_china(latitude, longitude):
        return latitude, longitude
    x, y = longitude - 105.0, latitude - 35.0
    rad = math.radians(latitude)
    magic = 1 - _KRASOVSKY_EE * math.sin(rad) ** 2
    root = math.sqrt(magic)
    dlat = (
        _shift_lat(x, y) * 180.0 / ((_KRASOVSKY_A * (1 - _KRASOVSKY_EE)) / (magic * root) * math.pi)
    )
    dlon = _shift_lon(x, y) * 180.0 / (_KRASOVSKY_A / root * math.cos(rad) * math.pi)
    return latitude + dlat, longitude + dlon


def gcj02_to_wgs84(latitude: float, longitude: float) -> tuple[float, float]:
    """GCJ-02 (lat, lon) to WGS-84 (lat, lon), by fixed-point iteration of the forward map."""
    if outside_china(latitude, longitude):
        return latitude, longitude
    lat, lon = latitude, longitude
    for _ in range(30):
        g_lat, g_lon = wgs84_to_gcj02(lat, lon)
        d_lat, d_lon = g_lat - latitude, g_lon - longitude
        lat, lon = lat - d_lat, lon - d_lon
        if abs(d_lat) < 1e-10 and abs(d_lon) < 1e-10:
            break
    return lat, lon


def gcj02_to_bd09(latitude: float, longitude: float) -> tuple[float, float]:
    """GCJ-02 (lat, lon) to BD-09 (lat, lon)."""
    x, y = longitude, latitude
    z = math.sqrt(x * x + y * y) + 0.00002 * math.sin(y * _BD_FACTOR)
    theta = math.atan2(y, x) + 0.000003 * math.cos(x * _BD_FACTOR)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(latitude: float, longitude: float) -> tuple[float, float]:
    """BD-09 (lat, lon) to GCJ-02 (lat, lon): the published approximate inverse, refined by a
    few fixed-point steps of the forward map (the approximation alone is off by up to ~10 cm)."""
    x, y = longitude - 0.0065, latitude - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _BD_FACTOR)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_FACTOR)
    lat, lon = z * math.sin(theta), z * math.cos(theta)
    for _ in range(5):
        b_lat, b_lon = gcj02_to_bd09(lat, lon)
        d_lat, d_lon = b_lat - latitude, b_lon - longitude
        lat, lon = lat - d_lat, lon - d_lon
        if abs(d_lat) < 1e-11 and abs(d_lon) < 1e-11:
            break
    return lat, lon


def wgs84_to_bd09(latitude: float, longitude: float) -> tuple[float, float]:
    return gcj02_to_bd09(*wgs84_to_gcj02(latitude, longitude))


def bd09_to_wgs84(latitude: float, longitude: float) -> tuple[float, float]:
    return gcj02_to_wgs84(*bd09_to_gcj02(latitude, longitude))


DATUMS = ("wgs84", "gcj02", "bd09")


def to_wgs84(latitude: float, longitude: float, datum: str = "wgs84") -> tuple[float, float]:
    """A position given in ``datum`` as WGS-84: what every input path calls before storing."""
    if datum == "wgs84":
        return latitude, longitude
    if datum == "gcj02":
        return gcj02_to_wgs84(latitude, longitude)
    if datum == "bd09":
        return bd09_to_wgs84(latitude, longitude)
    raise ValueError(f"unknown datum {datum!r}; expected one of {', '.join(DATUMS)}")
