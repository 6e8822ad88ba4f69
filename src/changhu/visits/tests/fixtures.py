"""Fixtures and helpers for the visits tests: a home-care beneficiary with a confirmed plan and
an assigned caregiver who has a login, the rule set loaded, and a phone that talks to the API."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.test import Client

from changhu.api.auth import issue_token
from changhu.care import services as care
from changhu.care.models import Assignment, CarePlan, CatalogueItem
from changhu.core import clock
from changhu.orgs.roles import Role
from changhu.visits import rulesets
from tests.api import ApiClient
from tests.factories import UserFactory, jpeg_bytes, make_caregiver, open_entitlement

HOME = (30.657, 104.066)  # make_person's default home position (WGS-84)


@pytest.fixture(autouse=True)
def _fresh_rule_cache():
    rulesets.clear_cache()
    yield
    rulesets.clear_cache()


@pytest.fixture
def rules(db):
    rulesets.load_all_rule_sets()
    return rulesets.rules_on(clock.today())


def month_start() -> dt.date:
    """The first day of last month: the month the screening tests fill with visits."""
    return (clock.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def open_home_care(
    users, person, institution, *, mode="home_visit", lines=None, admin=None, worker=None
):
    """Entitlement from before last month, confirmed plan in force from the first of it."""
    today = clock.today()
    worker = worker or users.worker_a
    open_entitlement(
        worker,
        person,
        institution,
        valid_from=month_start() - dt.timedelta(days=60),
        valid_until=today + dt.timedelta(days=365),
        care_mode=mode,
    )
    if mode != "home_visit":
        return None
    lines = lines or [
        care.PlanLineInput(item_code="SH05", times=2, period="week"),
        care.PlanLineInput(item_code="SH08", times=2, period="week", minutes=20),
        care.PlanLineInput(item_code="YL06", times=1, period="week"),
    ]
    plan = care.care_plan_draft(actor=admin or users.care_admin, person_id=person.pk, lines=lines)
    care.care_plan_confirm(
        actor=worker,
        plan_id=plan.pk,
        channel="counter",
        signer_name="张小明",
        signer_relationship="child",
    )
    CarePlan.objects.filter(pk=plan.pk).update(valid_from=month_start())
    return plan


def link_caregiver(user, institution, name="刘桂芳", **options):
    caregiver = make_caregiver(institution, name=name, **options)
    caregiver.user = user
    caregiver.save(update_fields=["user"])
    return caregiver


def assign(caregiver, person, institution, start=None):
    return Assignment.objects.create(
        person=person,
        institution=institution,
        caregiver=caregiver,
        start_date=start or month_start(),
    )


@pytest.fixture
def home(users, people, institution, catalogue, rules):
    """张建国 in home-visit care by 锦江康养护理院, plan confirmed, caregiver 刘桂芳 assigned."""
    person = people.jinjiang
    plan = open_home_care(users, person, institution)
    caregiver = link_caregiver(users.caregiver, institution)
    assign(caregiver, person, institution)
    items = {i.code: i for i in CatalogueItem.objects.filter(catalogue=catalogue)}
    return SimpleNamespace(person=person, plan=plan, caregiver=caregiver, items=items)


class Phone:
    """The caregiver's phone: uploads photos and sends events like the PWA does."""

    def __init__(self, user) -> None:
        self.api = ApiClient(user)
        key, _ = issue_token(user, name="phone")
        self.files = Client(REMOTE_ADDR="10.1.2.4", headers={"Authorization": f"Bearer {key}"})
        self.seed = 1000

    def photo(self, data: bytes | None = None, name: str = "p.jpg") -> str:
        if data is None:
            self.seed += 1
            data = jpeg_bytes(self.seed)
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = self.files.post(
            "/api/v1/visits/photos", {"file": SimpleUploadedFile(name, data, "image/jpeg")}
        )
        response.body = response.json()
        return response

    def sha(self) -> str:
        response = self.photo()
        assert response.status_code == 201, response.body
        return response.body["sha256"]

    def queued(self, kind: str, key: str, at: dt.datetime, **extra) -> dict:
        """An event queued offline at the person's home, as the PWA sends it in a batch."""
        return {
            "type": kind,
            "client_uuid": key,
            "device_time": at.isoformat(),
            "latitude": HOME[0],
            "longitude": HOME[1],
            "accuracy_m": 20,
            **extra,
        }

    def queued_check_out(self, visit_uuid, at, items, photo_sha256, code, *, key=None) -> dict:
        """A queued check-out of ``visit_uuid`` confirmed with the family's code."""
        return self.queued(
            "check_out",
            key or str(uuid.uuid4()),
            at,
            visit_uuid=visit_uuid,
            items=items,
            photo_sha256=photo_sha256,
            confirmation_method="code",
            confirmation_code=code,
        )

    def check_in(self, person, **overrides):
        body = {
            "client_uuid": str(uuid.uuid4()),
            "person_id": person.pk,
            "device_time": clock.now().isoformat(),
            "latitude": HOME[0] + 0.0002,
            "longitude": HOME[1],
            "accuracy_m": 15,
            "photo_sha256": overrides.pop("photo_sha256", None) or self.sha(),
        }
        body.update(overrides)
        response = self.api.post("visits/check-in", body)
        response.sent = body
        return response

    def check_out(self, visit_uuid, items, *, code=None, person=None, began=45, **overrides):
        """Check out; the visit is first moved to have begun ``began`` minutes ago (a visit
        checked out at once is refused, and a short one asks for a reason)."""
        from django.db.models import F

        from changhu.visits.models import Visit
        from changhu.visits.services import family_code_for

        if began:
            Visit.objects.filter(
                client_uuid=str(visit_uuid), status="in_progress", check_out_at__isnull=True
            ).update(check_in_at=F("check_in_at") - dt.timedelta(minutes=began))

        body = {
            "client_uuid": str(uuid.uuid4()),
            "visit_uuid": str(visit_uuid),
            "device_time": clock.now().isoformat(),
            "latitude": HOME[0],
            "longitude": HOME[1] + 0.0002,
            "accuracy_m": 12,
            "items": items,
            "photo_sha256": overrides.pop("photo_sha256", None) or self.sha(),
            "confirmation_method": "code",
            "confirmation_code": code
            if code is not None
            else family_code_for(person.pk, clock.now()),
        }
        body.update(overrides)
        response = self.api.post("visits/check-out", body)
        response.sent = body
        return response


@pytest.fixture
def phone(home, users):
    return Phone(users.caregiver)


@pytest.fixture
def second_caregiver(orgs):
    return UserFactory(username="caregiver_two", role=Role.CAREGIVER, organization=orgs.care)
