"""以本次签到位置为住址坐标: a home's coordinates taken from a caregiver's visit, map-free.

Many persons are registered with an address but no coordinates, and without them a check-in
can only be judged 位置存疑. Typing WGS-84 coordinates is error-prone, and the one place that
is certainly the home is where a caregiver stood during a visit the family confirmed. So after
such a visit, the care institution's administrator is offered to take its check-in position as
the home's coordinates.

A visit qualifies when (see :func:`offer`):
- the person's home has no coordinates yet (once set, corrections go through the register);
- the visit is completed and the family confirmed it (dynamic code or signature);
- the check-in fix is no coarser than the accuracy the geofence forgives
  (``accuracy_allowance_max_m`` of the rule set in force on the visit's day, 100 m in the
  shipped one): a coarser fix would misplace the home for every later visit;
- the check-out, when it has a position, was within the geofence radius of the check-in, so the
  caregiver stayed in one place.

Taking it writes the person's coordinates through the register's service (audited there, with
the visit named), and nothing else: visits already judged stay as they were judged.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from changhu.core import scope
from changhu.core.errors import Conflict, PermissionDenied
from changhu.insured import services as insured_services
from changhu.insured.models import Person
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Right
from changhu.visits import geo, rulesets
from changhu.visits.models import Visit, VisitStatus


@dataclass(frozen=True)
class Offer:
    """Whether a visit's check-in position may become the home's coordinates, and why not."""

    allowed: bool
    latitude: float
    longitude: float
    accuracy_m: float
    reason: str = ""  # why not, in words, when not allowed
    code: str = ""  # its stable code


def offer(visit: Visit) -> Offer:
    """The offer a (selected-related ``person``) visit makes; pure apart from the rule set."""
    at = (visit.check_in_latitude, visit.check_in_longitude, visit.check_in_accuracy_m)

    def refuse(code: str, reason: str) -> Offer:
        return Offer(False, *at, reason=reason, code=code)

    person = visit.person
    if person.latitude is not None and person.longitude is not None:
        return refuse("home_position_set", "该参保人的住址已有经纬度；如需更正，请到参保登记修改")
    if visit.status != VisitStatus.COMPLETED:
        return refuse("visit_not_completed", "服务尚未完成签退，不能采用其签到位置")
    if not visit.confirmation_method:
        return refuse("visit_not_confirmed", "该次服务没有家属确认，不能采用其签到位置")
    geofence = rulesets.rules_on(visit.service_date).geofence
    limit = geofence["accuracy_allowance_max_m"]
    if visit.check_in_accuracy_m > limit:
        return refuse(
            "fix_too_coarse",
            f"签到定位精度{visit.check_in_accuracy_m:.0f}米，超过{limit:.0f}米，不足以作为住址坐标",
        )
    if visit.check_out_latitude is not None:
        apart = geo.haversine_m(
            visit.check_in_latitude,
            visit.check_in_longitude,
            visit.check_out_latitude,
            visit.check_out_longitude,
        )
        if apart > geofence["radius_m"]:
            return refuse(
                "positions_disagree",
                f"签到与签退位置相距{apart:.0f}米，超过{geofence['radius_m']:.0f}米，"
                "无法确定住址位置",
            )
    return Offer(True, *at)


def may_take(actor) -> bool:
    """Care institution administrators (for their own institution's visits) take positions."""
    s = scope.scope_of(actor)
    return s.can(Right.VISITS_HOME_POSITION) and (
        s.organization_kind == OrgKind.CARE or s.unrestricted
    )


def take(*, actor, visit_id: int) -> Person:
    """Set the home's coordinates from the visit's check-in position. 404 for a visit outside
    the actor's scope; 409 with the offer's code when the visit does not qualify."""
    scope.require(actor, Right.VISITS_HOME_POSITION)
    if not may_take(actor):
        raise PermissionDenied("只有护理机构管理员可以采用签到位置作为住址坐标")
    with transaction.atomic():
        visit = scope.get_scoped(Visit.objects.select_related("caregiver"), actor, pk=visit_id)
        visit.person = Person.objects.select_for_update().get(pk=visit.person_id)
        answer = offer(visit)
        if not answer.allowed:
            raise Conflict(answer.reason, code=answer.code)
        return insured_services.person_set_home_position(
            actor=actor,
            person_id=visit.person_id,
            latitude=answer.latitude,
            longitude=answer.longitude,
            source=f"采用{visit.service_date:%Y-%m-%d}护理员{visit.caregiver.name}的签到位置"
            f"（定位精度{answer.accuracy_m:.0f}米）",
        )


def persons_awaiting(*, fetched_by) -> QuerySet:
    """Completed, family-confirmed visits in scope to persons whose home has no coordinates:
    the newest visit per person, for the administrator's queue."""
    visits = scope.scoped(Visit.objects.all(), fetched_by).filter(
        status=VisitStatus.COMPLETED, person__latitude__isnull=True
    )
    visits = visits.exclude(confirmation_method="")
    newer = visits.filter(person_id=OuterRef("person_id"), pk__gt=OuterRef("pk"))
    return (
        visits.filter(~Exists(newer)).select_related("person", "caregiver").order_by("-check_in_at")
    )
