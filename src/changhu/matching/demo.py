"""Demo data for data matching: a civil-affairs death list with matched, unmatched and malformed
rows waiting in the review queue, one death confirmed (a life event, and the money paid for the
days after it proposed for recovery), and a hospital admission from the settlement feed waiting
for review.

Runs after the settlement demo, as the main insurer's case worker (``caseworker``) would: the
list is uploaded and committed through the import pipeline and the death confirmed through the
review service. Dates are counted from today (``core.clock``): the death falls on a paid day of
the month before last, which the settlement demo pays, so a proposal exists whatever the day.
Idempotent: nothing is done once a list exists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Exists, OuterRef, Q

from changhu.core import clock, crypto, scope
from changhu.core.identity import check_digit, make_id_number
from changhu.insured.models import Person, PersonStatus
from changhu.insured.services import ID_PURPOSE
from changhu.matching import services
from changhu.matching.models import ListKind, ListSource, MatchBatch, MatchRecord, MatchStatus
from changhu.orgs.models import User
from changhu.settlement.models import Claim, ClaimLine, ClaimStatus, PeriodStatus


@dataclass
class MatchingDemoReport:
    lines_: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return self.lines_ or ["matching demo: nothing to do"]


def _paid_line(worker) -> ClaimLine | None:
    """A line paid in a settled month, of a person in the worker's scope whom the demo's
    caregiver and care administrator do not serve (their pages and phone keep working), best one
    whose institution's claim in the month under review can still take a recovery."""
    from changhu.care.models import Assignment

    s = scope.scope_of(worker)
    careadmin = User.objects.filter(username="careadmin").first()
    served = Assignment.objects.filter(person_id=OuterRef("person_id"), end_date=None).filter(
        Q(caregiver__user__username="caregiver")
        | Q(institution__organization_id=careadmin.organization_id if careadmin else None)
    )
    reviewed = Claim.objects.filter(
        institution_id=OuterRef("institution_id"),
        period__status=PeriodStatus.CLAIMING,
    ).exclude(status__in=[ClaimStatus.DRAFT, ClaimStatus.SUBMITTED])
    adjusted = ClaimLine.objects.filter(adjusts_id=OuterRef("pk"))
    lines = (
        ClaimLine.objects.filter(
            period__status=PeriodStatus.PAID,
            status="payable",
            source="computed",
            fund_fen__gt=1000,
            person__status=PersonStatus.ACTIVE,
        )
        .filter(s.region_q("person__region_code"))
        .exclude(Exists(adjusted))
        .select_related("person", "period")
        .order_by("-person_id", "pk")
    )
    unserved = lines.exclude(Exists(served))
    # Never a person of the demo caregiver's round: their phone would be left with no one alive
    # to visit. The care administrator's institution is spared only while there is a choice.
    by_caregiver = Assignment.objects.filter(
        person_id=OuterRef("person_id"), end_date=None, caregiver__user__username="caregiver"
    )
    spare = lines.exclude(Exists(by_caregiver))
    return (
        unserved.exclude(Exists(reviewed)).first()
        or spare.exclude(Exists(reviewed)).first()
        or unserved.first()
        or spare.first()
    )


def _death_day(line: ClaimLine) -> dt.date:
    """The first day the line paid (or the 10th for a monthly line): later days are recovered."""
    year, month = (int(p) for p in line.period.month.split("-"))
    mask = int(line.days_mask)
    first = next((n for n in range(1, 32) if mask >> (n - 1) & 1), 10)
    return dt.date(year, month, first)


def _unregistered(division: str, birth: dt.date) -> str:
    for sequence in range(1, 999):
        number = make_id_number(division, birth, sequence)
        index = crypto.blind_index(number, purpose=ID_PURPOSE)
        if not Person.objects.filter(id_number_index=index).exists():
            return number
    raise RuntimeError("no free demo ID number")


def _other_name(name: str) -> str:
    """The name as a clerk might mistype it: the same surname, a different given name."""
    middle = "小" if "晓" in name else "晓"
    return name[0] + middle + name[-1]


def _csv(rows: list[list[str]]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "身份证号码", "死亡日期"])
    writer.writerows(rows)
    return out.getvalue().encode("gb18030")


def seed_matching_demo() -> MatchingDemoReport:
    """See the module docstring."""
    report = MatchingDemoReport()
    worker = User.objects.filter(username="caseworker", is_active=True).first()
    if worker is None or MatchBatch.objects.exists():
        return report
    line = _paid_line(worker)
    s = scope.scope_of(worker)
    others = list(
        scope.scoped(Person.objects.filter(status=PersonStatus.ACTIVE), worker)
        .exclude(pk=line.person_id if line else None)
        .order_by("-pk")[:3]
    )
    if line is None or len(others) < 3 or not s.region_prefixes:
        report.lines_.append("matching demo: no paid line or persons in the case worker's scope")
        return report
    today = clock.today()
    died = _death_day(line)
    recent = (today - dt.timedelta(days=12)).isoformat()
    division = line.person.region_code[:6]
    stranger = _unregistered(division, dt.date(1938, 5, 17))
    wrong = stranger[:17] + ("0" if check_digit(stranger[:17]) != "0" else "1")
    deceased, namesake, pending = line.person, others[0], others[1]
    rows = [
        [deceased.name, deceased.id_number, died.isoformat()],
        [_other_name(namesake.name), namesake.id_number, recent],
        [pending.name, pending.id_number, recent],
        ["周明德", stranger, recent],
        ["吴桂兰", wrong, recent],
        ["郑秀珍", _unregistered(division, dt.date(1941, 2, 3)), "2025-02-30"],
    ]
    upload = SimpleUploadedFile("民政死亡名单.csv", _csv(rows), content_type="text/csv")
    batch = services.list_upload(
        actor=worker,
        kind=ListKind.DEATHS,
        source=ListSource.CIVIL_AFFAIRS,
        upload=upload,
        file_name="民政死亡名单.csv",
    )
    batch = services.list_commit(actor=worker, batch_id=batch.pk)
    confirmed = MatchRecord.objects.get(batch=batch, person=deceased)
    services.match_confirm(actor=worker, record_id=confirmed.pk)
    admitted = others[2]
    feed = services.feed_receive(
        actor=worker,
        kind=ListKind.HOSPITAL,
        source=ListSource.MEDICAL_SETTLEMENT,
        rows=[
            {
                "name": admitted.name,
                "id_number": admitted.id_number,
                "event_date": (today - dt.timedelta(days=5)).isoformat(),
                "hospital": "四川大学华西医院",
            }
        ],
    )
    waiting = MatchRecord.objects.filter(status=MatchStatus.PENDING).count()
    report.lines_.append(
        f"matching demo: death list #{batch.pk} ({batch.matched_rows} matched, "
        f"{batch.unmatched_rows} unmatched, {batch.error_rows} invalid), one death confirmed "
        f"with {confirmed.recoveries.count()} recovery proposal(s); hospital feed #{feed.pk}; "
        f"{waiting} waiting for review"
    )
    return report
