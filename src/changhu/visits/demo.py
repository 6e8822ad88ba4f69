"""Demo data for visits: home visits with a few anomalies (today's last ones still in
progress), bed-days, patrols, and a screening of this month so the findings queue has work.

Visits follow the confirmed care plans: a visit before a plan took effect would be screened as
"item not in plan", so the history starts on each plan's first day (at most a month back).
The care demo confirms its plans on the day it runs, so a fresh demo has today's visits, and
each later ``seed-demo`` adds the days since. A caregiver or a person has at most one visit in
progress (a database constraint): a later day's run first cancels the demo's visits still in
progress from an earlier run, as the institution would.

Runs after ``care``'s demo (it needs its caregivers, assignments and confirmed plans). Visits
lie in the past, which no phone event may claim (the API refuses device times more than a few
days old), so the rows are written directly, as the benchmark generator does; what the API
accepts is covered by the tests. Idempotent: every row has a deterministic key (UUID5 of the
person, day and slot; one stay per person; one patrol per person and month) and existing rows
are left alone. Deterministic: all choices come from a generator with a fixed seed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import random
import time
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from changhu.care import selectors as care_selectors
from changhu.care.models import Assignment, CarePlan, CarePlanItem, CarePlanStatus
from changhu.core import clock
from changhu.core.errors import Conflict
from changhu.core.transitions import apply
from changhu.orgs.models import User
from changhu.visits import geo, rules, rulesets, screening, services
from changhu.visits.models import (
    BedDay,
    BedDayKind,
    FollowUpStatus,
    PatrolFollowUp,
    PatrolVisit,
    Photo,
    RunStatus,
    ScreeningRun,
    Stay,
    Visit,
    VisitItem,
    VisitStatus,
)

SEED = 20261125
DAYS = 30
NAMESPACE = uuid.UUID("6f1c7d2e-3b4a-5c6d-8e9f-a0b1c2d3e4f5")


@dataclass
class VisitsDemoReport:
    visits_created: int = 0
    anomalies: int = 0
    stays_created: int = 0
    bed_days_created: int = 0
    patrols_created: int = 0
    follow_ups_created: int = 0
    left_open_cancelled: int = 0
    findings: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        return (
            f"visits demo: {self.visits_created} visits ({self.anomalies} with planted anomalies), "
            f"{self.stays_created} stays, {self.bed_days_created} bed-days, "
            f"{self.patrols_created} patrols ({self.follow_ups_created} follow-ups), "
            f"{self.findings} findings, "
            f"{self.left_open_cancelled} visits left open earlier cancelled "
            f"in {self.seconds:.1f}s"
        )


def _photo(rng: random.Random, key: str) -> Photo:
    """A small generated JPEG, unique to ``key`` (an evidence photo stand-in)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (96, 72), tuple(rng.randrange(60, 230) for _ in range(3)))
    ImageDraw.Draw(image).text((4, 28), key[-12:], fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    data = buffer.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    existing = Photo.objects.filter(sha256=sha).first()
    if existing is not None:
        return existing
    photo = Photo(sha256=sha, content_type="image/jpeg", size=len(data))
    photo.file.save(f"{sha}.jpg", ContentFile(data), save=False)
    photo.save()
    return photo


def _near(home: tuple[float, float], rng: random.Random, metres: float) -> tuple[float, float]:
    north, east = rng.uniform(-metres, metres), rng.uniform(-metres, metres)
    lat = home[0] + north / 111_195
    lon = home[1] + east / (111_195 * max(0.2, math.cos(math.radians(lat))))
    return lat, lon


def _local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _visits(report: VisitsDemoReport, rng: random.Random, first: dt.date, now: dt.datetime) -> None:
    """Visits of every assigned beneficiary with a plan in force, every few days from the
    later of ``first`` and the plan's first day up to now; today's latest ones in progress."""
    today = timezone.localdate(now)
    rule_data = rulesets.rules_on(first)
    assignments = (
        Assignment.objects.filter(start_date__lte=today, item__isnull=True)
        .exclude(end_date__lt=first)
        .select_related("person", "caregiver")
        .order_by("pk")
    )
    plans = {
        p.person_id: p
        for p in CarePlan.objects.filter(
            status=CarePlanStatus.CONFIRMED, care_mode__in=["home_visit", "individual"]
        ).select_related("package__catalogue")
    }
    lines = {}
    for line in CarePlanItem.objects.filter(plan__in=plans.values()).select_related("item"):
        lines.setdefault(line.plan_id, []).append(line)
    pairs = [a for a in assignments if a.person_id in plans]
    ids = [a.person_id for a in pairs]
    calendar: dict[int, dict[dt.date, object]] = {}
    month = first.replace(day=1)
    while month <= today:
        for pid, answers in care_selectors.eligibility_calendar(ids, month).items():
            calendar.setdefault(pid, {}).update({d.day: d for d in answers})
        month = (month + dt.timedelta(days=32)).replace(day=1)
    existing = set(Visit.objects.values_list("client_uuid", flat=True))
    # One visit in progress at a time per caregiver and per person (a database constraint).
    open_now = Visit.objects.filter(status=VisitStatus.IN_PROGRESS)
    busy_caregivers = set(open_now.values_list("caregiver_id", flat=True))
    busy_persons = set(open_now.values_list("person_id", flat=True))
    new_visits, new_items = [], []
    planted = ["too_short", "outside", "duplicate_photo", "not_in_plan"]
    reused = None
    for index, a in enumerate(pairs):
        person, plan = a.person, plans[a.person_id]
        plan_lines = lines.get(plan.pk, [])
        if not plan_lines or person.latitude is None:
            continue
        home = (float(person.latitude), float(person.longitude))
        step = 3 if (plan.visits_times or 1) >= 2 else 6
        day = max(first, plan.valid_from or first, a.start_date)
        while day <= today:
            answer = calendar.get(person.pk, {}).get(day)
            if answer is None or not answer.eligible or answer.institution_id != a.institution_id:
                day += dt.timedelta(days=step)
                continue
            key = uuid.uuid5(NAMESPACE, f"visit:{person.pk}:{day.isoformat()}:{a.caregiver_id}")
            chosen = [ln for ln in plan_lines if ln.period != "month" or rng.random() < 0.3][:4]
            reference = sum(ln.item.reference_minutes for ln in chosen) or 30
            minutes = int(reference * rng.uniform(0.95, 1.35))
            start = _local(day, 8 + (index % 9), rng.choice([0, 10, 20, 30, 40, 50]))
            in_progress = False
            if day == today:
                # Today: most visits done this morning, the last few still going on now.
                start = now - dt.timedelta(minutes=minutes + 15 + 40 * (index % 6))
                if timezone.localdate(start) != today:
                    day += dt.timedelta(days=step)
                    continue
                in_progress = (
                    index % 4 == 0
                    and key not in existing
                    and a.caregiver_id not in busy_caregivers
                    and person.pk not in busy_persons
                )
                if in_progress:
                    busy_caregivers.add(a.caregiver_id)
                    busy_persons.add(person.pk)
            position = _near(home, rng, 25)
            anomaly = planted.pop() if planted and index % 3 == 1 and not in_progress else ""
            if anomaly == "too_short":
                minutes = max(5, reference // 3)
            if anomaly == "outside":
                position = _near(home, rng, 2500)
            end = start + dt.timedelta(minutes=minutes)
            photo_in = _photo(rng, f"{key}-in")
            dup = anomaly == "duplicate_photo" and reused is not None
            photo_out = reused if dup else _photo(rng, f"{key}-out")
            reused = photo_in
            place = rules.judge_place(
                home=home, position=position, accuracy_m=15.0, **rule_data.geofence
            )
            if key in existing:
                day += dt.timedelta(days=step)
                continue
            done = not in_progress
            new_visits.append(
                Visit(
                    client_uuid=key,
                    caregiver_id=a.caregiver_id,
                    person=person,
                    institution_id=a.institution_id,
                    region_code=person.region_code,
                    service_date=day,
                    status="completed" if done else "in_progress",
                    rule_version=rule_data.version,
                    check_in_at=start,
                    check_in_device_at=start,
                    check_in_received_at=start,
                    check_in_latitude=position[0],
                    check_in_longitude=position[1],
                    check_in_accuracy_m=15.0,
                    check_in_distance_m=place.distance_m,
                    check_in_place=place.result,
                    check_in_photo=photo_in,
                    check_out_uuid=uuid.uuid5(NAMESPACE, f"out:{key}") if done else None,
                    check_out_at=end if done else None,
                    check_out_device_at=end if done else None,
                    check_out_received_at=end if done else None,
                    check_out_latitude=position[0] if done else None,
                    check_out_longitude=position[1] if done else None,
                    check_out_accuracy_m=15.0 if done else None,
                    check_out_distance_m=place.distance_m if done else None,
                    check_out_place=place.result if done else "",
                    check_out_photo=photo_out if done else None,
                    confirmation_method="code" if done else "",
                    duration_minutes=minutes if done else None,
                    reference_minutes=reference if done else None,
                    place_result=place.result,
                    payable=done,
                )
            )
            if done:
                new_items.extend((key, ln.item, 1) for ln in chosen)
                if anomaly == "not_in_plan":
                    stray = plan.package.catalogue.items.filter(code="SH03").first()
                    if stray and all(ln.item_id != stray.pk for ln in chosen):
                        new_items.append((key, stray, 1))
            report.anomalies += bool(anomaly)
            day += dt.timedelta(days=step)
    Visit.objects.bulk_create(new_visits, batch_size=500)
    report.visits_created = len(new_visits)
    ids_by_key = dict(
        Visit.objects.filter(client_uuid__in=[v.client_uuid for v in new_visits]).values_list(
            "client_uuid", "pk"
        )
    )
    VisitItem.objects.bulk_create(
        [
            VisitItem(visit_id=ids_by_key[k], item=i, quantity=q)
            for k, i, q in new_items
            if k in ids_by_key
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )


def _home_without_coordinates() -> None:
    """One beneficiary of the first demo care institution (careadmin's) registered without
    coordinates, so its administrator has a home to place with 以本次签到位置为住址坐标 (see
    ``visits.home_position``). Chosen once: the person of that institution's newest completed
    visit at the time; later runs find the demo's homes without coordinates and leave them."""
    from changhu.insured.models import Person
    from changhu.orgs.demo import CARE_ANKANG

    done = Visit.objects.filter(
        status=VisitStatus.COMPLETED, institution__organization__name=CARE_ANKANG
    ).exclude(confirmation_method="")
    if done.filter(person__latitude__isnull=True).exists():
        return
    newest = done.order_by("-check_in_at", "-pk").first()
    if newest is not None:
        Person.objects.filter(pk=newest.person_id).update(latitude=None, longitude=None)


def _cancel_left_open(report: VisitsDemoReport, today: dt.date) -> None:
    """On a later day's run, the demo's own visits still in progress from an earlier run are
    cancelled, as the institution would, so that their caregivers can check in again (one
    visit in progress at a time). Visits recorded by people using the demo are left alone."""
    stale = Visit.objects.filter(status=VisitStatus.IN_PROGRESS, service_date__lt=today)
    for visit in stale:
        key = f"visit:{visit.person_id}:{visit.service_date.isoformat()}:{visit.caregiver_id}"
        if visit.client_uuid != uuid.uuid5(NAMESPACE, key):
            continue
        reason = "未签退，机构取消（演示数据）"
        apply(
            services.VISIT_FLOW,
            visit,
            "cancel",
            actor=None,
            reason=reason,
            check_right=False,
            extra_updates={"payable": False, "cancel_reason": reason},
        )
        report.left_open_cancelled += 1


def _bed_days(report: VisitsDemoReport, first: dt.date, today: dt.date) -> None:
    from changhu.care.models import Arrangement

    arrangements = (
        Arrangement.objects.filter(care_mode="institutional", start_date__lte=today)
        .exclude(end_date__lt=first)
        .select_related("person")
        .order_by("pk")
    )
    for index, a in enumerate(arrangements):
        if Stay.objects.filter(person_id=a.person_id).exists():
            continue
        Stay.objects.create(
            person=a.person,
            institution_id=a.institution_id,
            region_code=a.person.region_code,
            admitted_on=max(a.start_date, first),
            bed_number=f"{index // 10 + 1}-{index % 10 + 1:02d}",
        )
        report.stays_created += 1
    before = BedDay.objects.count()
    services.bed_days_fill(through=today - dt.timedelta(days=1))
    for stay in Stay.objects.order_by("pk")[:3]:
        leave = stay.admitted_on + dt.timedelta(days=5)
        BedDay.objects.filter(stay=stay, day__in=[leave, leave + dt.timedelta(days=1)]).update(
            kind=BedDayKind.LEAVE
        )
    report.bed_days_created = BedDay.objects.count() - before


def _patrols(report: VisitsDemoReport, rng: random.Random, today: dt.date, admin: User) -> None:
    from changhu.care.models import Arrangement

    rule_data = rulesets.rules_on(today)
    family = (
        Arrangement.objects.filter(care_mode="family", start_date__lte=today)
        .exclude(end_date__lt=today)
        .select_related("person", "institution")
        .order_by("pk")
    )
    for a in family:
        key = uuid.uuid5(NAMESPACE, f"patrol:{a.person_id}:{today:%Y-%m}")
        if PatrolVisit.objects.filter(client_uuid=key).exists():
            continue
        patroller = (
            User.objects.filter(organization_id=a.institution.organization_id)
            .order_by("pk")
            .first()
            or admin
        )
        day = today - dt.timedelta(days=rng.randint(1, 20))
        results = [
            {**entry, "ok": rng.random() > 0.12, "note": ""} for entry in rule_data.checklist
        ]
        person = a.person
        home = (float(person.latitude), float(person.longitude)) if person.latitude else None
        position = _near(home, rng, 20) if home else None
        patrol = PatrolVisit.objects.create(
            client_uuid=key,
            institution_id=a.institution_id,
            person=person,
            family_caregiver=a.person.family_caregivers.first(),
            patroller=patroller,
            region_code=person.region_code,
            visited_at=_local(day, 15, 0),
            service_date=day,
            latitude=position[0] if position else None,
            longitude=position[1] if position else None,
            accuracy_m=12.0 if position else None,
            distance_m=round(geo.haversine_m(*home, *position)) if position else None,
            checklist_version=rule_data.version,
            checklist=results,
            condition_note=rng.choice(["精神尚可，进食正常", "卧床，皮肤完好", "睡眠差，夜间躁动"]),
            findings="" if all(r["ok"] for r in results) else "已现场指导，下次巡护复查",
            follow_up=not all(r["ok"] for r in results),
        )
        patrol.photos.add(_photo(rng, f"{key}-patrol"))
        report.patrols_created += 1


def _follow_ups(report: VisitsDemoReport, now: dt.datetime) -> None:
    """Three follow-ups on the latest patrols (the care administrator's institution's if it has
    any; one patrol may hold more than one): one open, one past its deadline and one done.
    Dates follow today, so the three states hold on any day; nothing is added while those
    patrols have follow-ups."""
    today = timezone.localdate(now)
    careadmin = User.objects.filter(username="careadmin").first()
    patrols = PatrolVisit.objects.filter(service_date__lt=today).order_by("-service_date", "-pk")
    if careadmin is not None and careadmin.organization_id:
        own = patrols.filter(institution__organization_id=careadmin.organization_id)
        if own.exists():
            patrols = own
    if PatrolFollowUp.objects.filter(patrol__in=patrols).exists():
        return
    plans = [
        ("教会家属每两小时协助翻身一次，下次巡护复查", "family_caregiver", "open"),
        ("为参保人申请防压疮气垫床", "institution", "overdue"),
        ("家属补学协助进食的方法", "family_caregiver", "done"),
    ]
    chosen = list(patrols[:3])
    if not chosen:
        return
    for i, (action, party, state) in enumerate(plans):
        patrol = chosen[i % len(chosen)]
        due = {
            "open": today + dt.timedelta(days=7),
            "overdue": max(patrol.service_date, today - dt.timedelta(days=2)),
            "done": today + dt.timedelta(days=3),
        }[state]
        done = state == "done"
        PatrolFollowUp.objects.create(
            patrol=patrol,
            institution_id=patrol.institution_id,
            person_id=patrol.person_id,
            region_code=patrol.region_code,
            action=action,
            party=party,
            due_on=due,
            status=FollowUpStatus.DONE if done else FollowUpStatus.OPEN,
            created_by_id=patrol.patroller_id,
            done_at=now - dt.timedelta(hours=1) if done else None,
            done_by_id=patrol.patroller_id if done else None,
            done_note="家属已能独立完成，现场复核合格" if done else "",
        )
        PatrolVisit.objects.filter(pk=patrol.pk).update(follow_up=True)
        report.follow_ups_created += 1


def _phone_login(admin: User, today: dt.date) -> None:
    """Link the demo login ``caregiver`` to the caregiver of its institution with the most
    beneficiaries visited at home today, as the care admin would on the caregiver's page, so
    the phone app has a day's work."""
    from collections import Counter

    from changhu.providers import services as providers_services
    from changhu.providers.models import Caregiver

    user = User.objects.filter(username="caregiver", role="caregiver").first()
    if user is None or Caregiver.objects.filter(user=user).exists():
        return
    home_plans = CarePlan.objects.filter(
        status=CarePlanStatus.CONFIRMED, care_mode__in=["home_visit", "individual"]
    ).values("person_id")
    current = (
        Assignment.objects.filter(
            start_date__lte=today,
            item__isnull=True,
            person_id__in=home_plans,
            caregiver__institution__organization_id=user.organization_id,
            caregiver__status="active",
            caregiver__user__isnull=True,
        )
        .exclude(end_date__lt=today)
        .values_list("caregiver_id", flat=True)
    )
    busiest = Counter(current).most_common(1)
    if busiest:
        providers_services.caregiver_account_open(
            actor=admin, caregiver_id=busiest[0][0], username=user.username
        )


def seed_visits_demo() -> VisitsDemoReport:
    """Visits of the last month (as far back as the plans reach) with planted anomalies,
    bed-days, patrols with follow-ups, and a screening of this month; idempotent."""
    from changhu.care.demo import _admin

    started = time.monotonic()
    report = VisitsDemoReport()
    rng = random.Random(SEED)
    rulesets.load_all_rule_sets()
    now = clock.now()
    today = timezone.localdate(now)
    first = today - dt.timedelta(days=DAYS)
    admin = _admin()
    with transaction.atomic():
        _cancel_left_open(report, today)
        _visits(report, rng, first, now)
        _bed_days(report, first, today)
        _patrols(report, rng, today, admin)
        _follow_ups(report, now)
        _phone_login(admin, today)
        _home_without_coordinates()
    period = today.strftime("%Y-%m")
    done = ScreeningRun.objects.filter(period=period, status=RunStatus.DONE).first()
    if done is None or report.visits_created:
        try:
            run = services.screening_request(actor=None, period=period, source="demo")
        except Conflict:  # a run of that month is already queued or running
            run = None
        done = screening.execute(run.pk) if run else done
    report.findings = done.findings_count if done else 0
    report.seconds = time.monotonic() - started
    return report
