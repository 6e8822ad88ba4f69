"""Scales read straight from the shipped preset files, and answer sheets built to a target."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from changhu.assessment.scoring import Scale, load_scale

PRESETS = Path(__file__).resolve().parents[2] / "presets" / "scales"


def preset_definition(file_name: str) -> dict:
    return json.loads((PRESETS / file_name).read_text("utf-8"))


def answers_for(scale: Scale, **totals: int) -> dict[str, int]:
    """A complete answer sheet whose indicator totals are the given ones (best where not given).

    Each item takes the largest option that still fits the remaining total.
    """
    answers = {}
    for indicator in scale.indicators:
        remaining = totals.get(indicator.code, indicator.max_points)
        for item in indicator.items:
            points = max(p for p in item.points if p <= remaining)
            answers[item.name] = points
            remaining -= points
        assert remaining == 0, f"{indicator.code} total {totals[indicator.code]} not reachable"
    return answers


@pytest.fixture(scope="session")
def national_definition() -> dict:
    return preset_definition("national-2021.json")


@pytest.fixture(scope="session")
def national(national_definition) -> Scale:
    return load_scale(national_definition)


@pytest.fixture(scope="session")
def barthel() -> Scale:
    return load_scale(preset_definition("barthel.json"))


@pytest.fixture
def definition(national_definition) -> dict:
    """A private copy of the national definition for a test to change."""
    return copy.deepcopy(national_definition)


# --- the workflow: presets in the database, a second institution, files, answer sheets -------


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (20, 120, 240)).save(buffer, "JPEG")
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def online(person, **overrides) -> dict:
    """An online application by the applicant for ``person``, named by name and ID number."""
    return {
        "person_name": person.name,
        "person_id_number": person.id_number,
        "relationship": "child",
        "phone": "13812345678",
        "address": "青羊区太升路街道某小区5栋",
        **overrides,
    }


def form_payload(answers, present_ids, **overrides) -> dict:
    """The on-site form as the API takes it: an hour's visit that ended ten minutes ago."""
    from django.utils import timezone

    from changhu.core import clock

    now = timezone.localtime(clock.now()).replace(microsecond=0)
    return {
        "answers": answers,
        "started_at": (now - dt.timedelta(hours=1)).isoformat(),
        "ended_at": (now - dt.timedelta(minutes=10)).isoformat(),
        "latitude": 30.6571,
        "longitude": 104.0812,
        "location_accuracy": 12,
        "guardian_present": True,
        "guardian_name": "张小梅",
        "guardian_relationship": "child",
        "video_reference": "VID-2026-0001",
        "remarks": "卧床，需协助翻身",
        "present_ids": present_ids,
        **overrides,
    }


def post_file(api, application_id: int, kind: str, name: str, data: bytes):
    """A document uploaded through the API (multipart), with its JSON answer as ``body``."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api.client.post(
        f"/api/v1/assessment/applications/{application_id}/documents",
        data={"kind": kind, "file": SimpleUploadedFile(name, data)},
        headers=api.headers,
    )
    response.body = response.json()
    return response


def upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploads and letters of a test go to its own directory, never to var/media."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def _designated_assessment(request):
    """The fixture city's assessment centre is designated and its people are qualified
    assessors (see ``tests.factories.designate_fixture_assessment``)."""
    from tests.factories import designate_fixture_assessment

    designate_fixture_assessment(request)


@pytest.fixture
def loaded(db):
    """The shipped scales, assessment rules and benefit policies (which grades qualify),
    stored as the deployment would."""
    from changhu.assessment.presets import load_rule_presets, load_scale_presets
    from tests.factories import load_policies

    load_scale_presets()
    load_rule_presets()
    load_policies()


@pytest.fixture
def team(users, orgs, city, loaded):
    """Beside the fixtures' assessor and expert: a second expert at the first institution, and a
    second institution covering the whole city (for re-assessments) with its own people."""
    from types import SimpleNamespace

    from changhu.orgs.models import OrgKind
    from changhu.orgs.roles import Role
    from changhu.providers.models import Institution
    from tests.factories import (
        OrganizationFactory,
        UserFactory,
        designate_assessment,
        make_assessor,
    )

    second = OrganizationFactory(
        kind=OrgKind.ASSESSMENT, name="成都市第二评估中心", region=city.city, coverage=[city.city]
    )

    def make(username, role, org):
        user = UserFactory(username=username, role=role, organization=org)
        make_assessor(Institution.all_kinds.get(organization=org), user=user)
        return user

    designate_assessment(second)
    return SimpleNamespace(
        first=orgs.assessment,
        second=second,
        assessor=users.assessor,
        expert=users.expert,
        expert2=make("expert2", Role.ASSESSMENT_EXPERT, orgs.assessment),
        assessor2=make("assessor2", Role.ASSESSOR, orgs.assessment),
        assessor3=make("assessor3", Role.ASSESSOR, second),
        expert3=make("expert3", Role.ASSESSMENT_EXPERT, second),
        expert4=make("expert4", Role.ASSESSMENT_EXPERT, second),
    )


def severe_answers(scale: Scale, adl: int = 35) -> dict[str, int]:
    """A complete sheet graded 重度失能 (ADL severely impaired)."""
    return answers_for(scale, adl=adl, cognition=8, perception=9)


@pytest.fixture
def fast_pdf(monkeypatch):
    """Conclusion letters without WeasyPrint, for tests that do not look at the PDF itself."""
    calls = []

    def render(template_name, context):
        calls.append((template_name, context))
        return PDF_BYTES

    monkeypatch.setattr("changhu.core.pdf.render_pdf", render)
    return calls
