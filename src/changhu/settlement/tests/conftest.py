"""A small Chengdu month for settlement: three institutions, eight beneficiaries whose months
exercise every rule (mid-month starts, hospital stays, death, a pause, a mode change, loss of
insured status, social-support and nursing visits, bed-days, a visit with a confirmed finding).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from changhu.care.models import Arrangement, CatalogueItem, Pause
from changhu.insured.models import LifeEvent
from changhu.orgs.models import OrgKind
from changhu.settlement import policies, services
from changhu.settlement.models import ClaimLine, InstitutionTariff, SupplementaryMember
from changhu.visits.models import Finding
from tests.factories import (
    OrganizationFactory,
    UserFactory,
    load_demo_catalogue,
    make_bed_days,
    make_caregiver,
    make_entitlement,
    make_institution,
    make_person,
    make_visit,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTH = "2026-10"
# Claim lines person by person in the order the settlement writes them.
LINE_ORDER = (
    "person_id",
    "seq",
    "institution_id",
    "care_mode",
    "grade",
    "institution_class",
    "payee_kind",
)


def on(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, 0, tzinfo=SHANGHAI)


def d(day: int) -> dt.date:
    return dt.date(2026, 10, day)


def line_values(period, fields: str) -> list[tuple]:
    """The period's claim lines as sorted tuples of the named fields (space-separated)."""
    return sorted(ClaimLine.objects.filter(period=period).values_list(*fields.split()))


@pytest.fixture
def world(city, orgs, users):
    policies.load_all_policies()
    load_demo_catalogue()
    items = {i.code: i for i in CatalogueItem.objects.all()}
    inst_a = make_institution(orgs.care)
    org_b = OrganizationFactory(
        kind=OrgKind.CARE, name="锦江安康居家护理站", region=city.jinjiang, care_kind="home_service"
    )
    inst_b = make_institution(org_b, care_kind="home_service")
    org_c = OrganizationFactory(
        kind=OrgKind.CARE, name="武侯颐年护理院", region=city.wuhou, care_kind="nursing_home"
    )
    inst_c = make_institution(org_c)
    care_admin_b = UserFactory(username="care_admin_b", role="care_admin", organization=org_b)
    InstitutionTariff.objects.create(
        institution=inst_a,
        valid_from=dt.date(2026, 1, 1),
        institution_class="hospital_2",
        bed_day_fen=15000,
    )
    InstitutionTariff.objects.create(
        institution=inst_b,
        valid_from=dt.date(2026, 1, 1),
        institution_class="nursing",
        bed_day_fen=7001,
    )
    return SimpleNamespace(
        city=city,
        orgs=orgs,
        users=users,
        items=items,
        a=inst_a,
        b=inst_b,
        c=inst_c,
        care_admin_b=care_admin_b,
        cg_a=make_caregiver(inst_a),
        cg_b=make_caregiver(inst_b),
        cg_c=make_caregiver(inst_c),
    )


def visit(world, caregiver, person, day: int, *codes: tuple[str, int], hour: int = 9):
    return make_visit(
        caregiver=caregiver,
        person=person,
        start=on(day, hour),
        items=tuple((world.items[code], qty) for code, qty in codes),
        photos=(None, None),
    )


@pytest.fixture
def month(world):
    """The beneficiaries of October 2026 and what happened to them."""
    w = world
    jinjiang = w.city.streets["510104001000"]
    wuhou = w.city.streets["510107001000"]
    p = SimpleNamespace()
    # 1. grade 3 institutional at A all month, in bed every day but the last (on leave).
    p.inst = make_person(jinjiang, name="赵德明")
    make_entitlement(p.inst, w.a, grade=3, care_mode="institutional")
    make_bed_days(p.inst, w.a, d(1), d(30))
    make_bed_days(p.inst, w.a, d(31), d(31), kind="leave")
    # 2. grade 5 home visits at A from the 16th, nursing visits on three days.
    p.home = make_person(jinjiang, name="钱秀兰")
    make_entitlement(p.home, w.a, grade=5, care_mode="home_visit", start=d(16))
    visit(w, w.cg_a, p.home, 16, ("SH05", 1), ("YL01", 1))
    visit(w, w.cg_a, p.home, 20, ("SH05", 2))
    visit(w, w.cg_a, p.home, 20, ("YL04", 1), hour=15)
    # 3. grade 4 individual at A, in hospital 5th-10th, social-support visits (one in hospital).
    p.individual = make_person(jinjiang, name="孙建华")
    make_entitlement(p.individual, w.a, grade=4, care_mode="individual")
    LifeEvent.objects.create(
        person=p.individual, kind="hospital_stay", start_date=d(5), end_date=d(10)
    )
    visit(w, w.cg_a, p.individual, 2, ("SZ02", 2))
    p.in_hospital_visit = visit(w, w.cg_a, p.individual, 6, ("SZ02", 1))
    visit(w, w.cg_a, p.individual, 20, ("SZ05", 3))
    # 4. grade 5 family care at B, died on the 10th.
    p.died = make_person(jinjiang, name="李桂英")
    make_entitlement(p.died, w.b, grade=5, care_mode="family")
    p.died.status, p.died.died_on = "deceased", d(10)
    p.died.save(update_fields=["status", "died_on"])
    # 5. grade 4 institutional at A to the 20th, then individual at B; a visit with a finding.
    p.moved = make_person(jinjiang, name="周志强")
    ent = make_entitlement(p.moved, w.a, grade=4, care_mode="institutional", arrangement_end=d(20))
    Arrangement.objects.create(
        entitlement=ent,
        person=p.moved,
        start_date=d(21),
        care_mode="individual",
        institution=w.b,
    )
    make_bed_days(p.moved, w.a, d(1), d(20))
    visit(w, w.cg_b, p.moved, 25, ("SZ03", 2))
    p.flagged_visit = visit(w, w.cg_b, p.moved, 26, ("SZ05", 1))
    p.flagged_visit.payable = False
    p.flagged_visit.save(update_fields=["payable"])
    Finding.objects.create(
        visit=p.flagged_visit,
        person=p.moved,
        institution=w.b,
        region_code=p.moved.region_code,
        period=MONTH,
        service_date=d(26),
        rule_code="duration_too_short",
        severity="high",
        status="confirmed",
        rule_version="2026.1",
        reason="服务时长不足项目参考时长的50%",
    )
    # 6. grade 2: not a qualifying grade.
    p.mild = make_person(jinjiang, name="吴小红")
    make_entitlement(p.mild, w.a, grade=2, care_mode="home_visit")
    visit(w, w.cg_a, p.mild, 3, ("SH05", 1))
    # 7. grade 4 home visits at C (Wuhou), paused on the 1st-5th.
    p.paused = make_person(wuhou, name="郑国庆")
    ent = make_entitlement(p.paused, w.c, grade=4, care_mode="home_visit")
    Pause.objects.create(
        entitlement=ent, person=p.paused, start_date=d(1), end_date=d(5), reason="违规暂停"
    )
    visit(w, w.cg_c, p.paused, 3, ("SH05", 1))
    visit(w, w.cg_c, p.paused, 12, ("SH05", 1), ("SH07", 2))
    # 8. grade 3 home visits at A, insured status ends on the 15th.
    p.lapsed = make_person(jinjiang, name="冯丽")
    make_entitlement(p.lapsed, w.a, grade=3, care_mode="home_visit")
    p.lapsed.enrolments.update(end_date=d(15))
    visit(w, w.cg_a, p.lapsed, 14, ("SH01", 1))
    # Supplementary (Lishui's 惠民保) members for the multi-tier runs.
    for person in (p.home, p.individual, p.moved):
        SupplementaryMember.objects.create(
            plan_code="lishui-hmb",
            person=person,
            year=2026,
            premium_fen=12900,
            paid_from="personal_account",
            joined_on=dt.date(2026, 1, 1),
        )
    return p


@pytest.fixture
def period(world, month):
    """October's Chengdu period, opened and computed."""
    opened = services.period_open(
        actor=world.users.bureau_admin, month=MONTH, region_code="510100", policy_code="chengdu"
    )
    services.period_compute(actor=world.users.bureau_admin, period_id=opened.pk)
    opened.refresh_from_db()
    return opened
