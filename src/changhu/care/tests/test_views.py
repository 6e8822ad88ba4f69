"""Staff pages of the catalogue, entitlements, care plans and the person's file."""

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from changhu.care.models import CarePlan, Entitlement
from changhu.core import clock
from tests.csp import assert_no_inline_script_or_style
from tests.factories import open_entitlement

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
TODAY = clock.today()


@pytest.fixture
def beneficiary(users, people, institution, catalogue):
    first = TODAY.replace(day=1)
    term = {"valid_from": first, "valid_until": first + dt.timedelta(days=700)}
    open_entitlement(users.worker_a, people.jinjiang, institution, grade=5, **term)
    return people.jinjiang


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("bureau_admin", 200),
        ("regulator", 200),
        ("worker_a", 200),
        ("care_admin", 200),
        ("caregiver", 403),
        ("applicant", 403),
    ],
)
def test_pages_need_the_right(client, users, beneficiary, role, status):
    client.force_login(getattr(users, role))
    for name in ("entitlement_list", "plan_list"):
        assert client.get(reverse(f"care:{name}")).status_code == status, name
    catalogue_status = 403 if role == "applicant" else 200
    assert client.get(reverse("care:catalogue_list")).status_code == catalogue_status


def test_catalogue_pages(client, users, catalogue):
    client.force_login(users.caregiver)
    html = client.get(reverse("care:catalogue_list")).content.decode()
    assert "现行" in html and "2026.1" in html
    html = client.get(reverse("care:catalogue_detail", args=[catalogue.pk])).content.decode()
    assert 'data-item="SH01"' in html and "10.00" in html and "重度失能Ⅲ级·亲情照护服务包" in html
    package = catalogue.packages.get(code="G4-HOME")
    html = client.get(reverse("care:package_detail", args=[package.pk])).content.decode()
    assert "900.00元" in html and "胃管护理" in html


def test_entitlement_pages_and_mode_change(client, users, beneficiary, other):
    entitlement = Entitlement.objects.get()
    client.force_login(users.worker_a)
    html = client.get(reverse("care:entitlement_list")).content.decode()
    assert "张建国" in html and "机构上门居家照护" in html
    url = reverse("care:entitlement_action", args=[entitlement.pk, "arrangement"])
    bad = client.post(
        url,
        {"effective_date": TODAY.replace(day=1).isoformat(), "care_mode": "family", "reason": "x"},
    )
    assert bad.status_code == 422 and "变更生效日期应晚于" in bad.content.decode()
    ok = client.post(
        url,
        {
            "effective_date": (TODAY + dt.timedelta(days=3)).isoformat(),
            "care_mode": "family",
            "reason": "家属自行照护",
        },
    )
    assert ok.status_code == 302
    html = client.get(reverse("care:entitlement_detail", args=[entitlement.pk])).content.decode()
    assert 'data-arrangement="family"' in html
    client.force_login(other.admin)
    assert client.get(reverse("care:entitlement_detail", args=[entitlement.pk])).status_code == 404


def test_plan_draft_and_counter_confirmation_from_the_pages(client, users, beneficiary):
    client.force_login(users.care_admin)
    listing = client.get(reverse("care:plan_list")).content.decode()
    assert "尚无护理计划的服务对象" in listing and "制定计划" in listing
    url = reverse("care:plan_new") + f"?person={beneficiary.pk}"
    form = client.get(url).content.decode()
    assert 'name="times_SH05"' in form and "重度失能Ⅲ级" in form
    too_much = client.post(url, {"person": beneficiary.pk, "times_SH11": "3", "period_SH11": "day"})
    assert too_much.status_code == 422 and "超过服务包" in too_much.content.decode()
    assert not CarePlan.objects.exists()
    done = client.post(
        url,
        {
            "person": beneficiary.pk,
            "times_SH05": "2",
            "period_SH05": "week",
            "visits_times": "2",
            "visits_period": "week",
        },
    )
    assert done.status_code == 302
    plan = CarePlan.objects.get()
    client.force_login(users.worker_a)
    detail = client.get(reverse("care:plan_detail", args=[plan.pk])).content.decode()
    assert "记录窗口确认" in detail
    confirm = reverse("care:plan_action", args=[plan.pk, "confirm"])
    bad = client.post(confirm, {"signer_name": "", "signer_relationship": "child"})
    assert bad.status_code == 422 and "请填写确认人姓名" in bad.content.decode()
    assert (
        client.post(confirm, {"signer_name": "张小军", "signer_relationship": "child"}).status_code
        == 302
    )
    plan.refresh_from_db()
    assert plan.status == "confirmed" and plan.confirmation_channel == "counter"
    html = client.get(reverse("care:person_file", args=[beneficiary.pk])).content.decode()
    assert "一人一档" in html and "第1版" in html and "今日享受待遇" in html


def test_person_file_is_scoped(client, users, beneficiary, other):
    client.force_login(users.care_admin)
    assert client.get(reverse("care:person_file", args=[beneficiary.pk])).status_code == 200
    client.force_login(other.admin)
    assert client.get(reverse("care:person_file", args=[beneficiary.pk])).status_code == 404
    client.force_login(users.worker_b)
    assert client.get(reverse("care:person_file", args=[beneficiary.pk])).status_code == 404


def test_templates_have_no_inline_script_or_style():
    assert_no_inline_script_or_style(TEMPLATES)
