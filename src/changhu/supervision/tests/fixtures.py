"""A field for inspections: two institutions (Jinjiang, Wuhou), each serving one beneficiary."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from changhu.care.models import Assignment
from changhu.core import clock
from changhu.supervision import checklists, services
from tests.factories import make_caregiver

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def pdf_upload(name: str = "整改报告.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def jpeg_upload(seed: int = 1) -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (seed % 256, 80, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile("现场.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def field(users, people, institution, other):
    checklists.load_all_checklists()
    start = clock.today() - dt.timedelta(days=30)
    for inst, person in ((institution, people.jinjiang), (other.institution, people.wuhou)):
        Assignment.objects.create(
            person=person, institution=inst, caregiver=make_caregiver(inst), start_date=start
        )
    return SimpleNamespace(users=users, people=people, institution=institution, other=other)


def plan(actor, region_code="510104", seed=7, institutions=1, beneficiaries=1, **options):
    return services.task_plan(
        actor=actor,
        title=options.pop("title", "锦江区日常巡查"),
        kind=options.pop("kind", "routine"),
        period=options.pop("period", clock.today().strftime("%Y-%m")),
        region_code=region_code,
        institution_sample=institutions,
        beneficiary_sample=beneficiaries,
        seed=seed,
        **options,
    )


def answers(target, failing: dict[str, str] | None = None) -> dict:
    failing = failing or {}
    return {
        item["code"]: services.Answer(
            ok=item["code"] not in failing, note=failing.get(item["code"], "")
        )
        for item in target.checklist.items
    }


def record(actor, target, failing: dict[str, str] | None = None, **options):
    return services.inspection_record(
        actor=actor,
        target_id=target.pk,
        data=services.Record(
            answers=answers(target, failing),
            latitude=options.pop("latitude", 30.657),
            longitude=options.pop("longitude", 104.08),
            accuracy_m=options.pop("accuracy_m", 12.0),
            **options,
        ),
    )
