"""Staff pages of institutions, admissions, caregivers and imports: scope on every page,
inline errors, and the CSP-safe templates."""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import Workbook

from changhu.core import clock
from changhu.providers.imports import CAREGIVER_COLUMNS
from changhu.providers.models import Admission, Caregiver, ImportBatch
from tests.csp import assert_no_inline_script_or_style
from tests.factories import valid_id_number

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def _refused_then_saved(client, url_name: str, data: dict, *, message: str, **wrong) -> None:
    """The form posted with one wrong value is refused with ``message``; as given, it is saved."""
    bad = client.post(reverse(url_name), {**data, **wrong})
    assert bad.status_code == 422 and message in bad.content.decode()
    assert client.post(reverse(url_name), data).status_code == 302


def names(response) -> list[str]:
    return re.findall(r'class="fw-semibold" href="[^"]+">([^<]+)</a>', response.content.decode())


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("bureau_admin", 200),
        ("worker_a", 200),
        ("care_admin", 200),
        ("caregiver", 403),
        ("applicant", 403),
        ("assessor", 403),
    ],
)
def test_lists_need_the_right(client, users, institution, caregivers, role, status):
    client.force_login(getattr(users, role))
    for name in ("institution_list", "caregiver_list", "certificates_expiring", "agreements_due"):
        assert client.get(reverse(f"providers:{name}")).status_code == status, name


def test_lists_and_details_are_scoped(client, users, institution, caregivers, other):
    client.force_login(users.care_admin)
    assert names(client.get(reverse("providers:institution_list"))) == ["锦江康养护理院"]
    assert (
        client.get(reverse("providers:institution_detail", args=[other.institution.pk])).status_code
        == 404
    )
    listed = names(client.get(reverse("providers:caregiver_list")))
    assert sorted(listed) == sorted(["刘桂芳", "陈静", "赵红梅"])
    client.force_login(users.worker_b)
    assert names(client.get(reverse("providers:institution_list"))) == ["武侯居家照护服务中心"]
    assert (
        client.get(reverse("providers:caregiver_detail", args=[caregivers.worker.pk])).status_code
        == 404
    )


def test_detail_pages_show_agreements_certificates_and_assignability(
    client, users, caregivers, institution
):
    client.force_login(users.bureau_admin)
    html = client.get(
        reverse("providers:institution_detail", args=[institution.pk])
    ).content.decode()
    assert "生效中" in html and "变更机构状态" in html
    html = client.get(
        reverse("providers:caregiver_detail", args=[caregivers.expired.pk])
    ).content.decode()
    assert "今日不可派单" in html and "已过期" in html
    html = client.get(reverse("providers:certificates_expiring") + "?days=400").content.decode()
    assert "赵红梅" in html and "刘桂芳" not in html


def test_status_change_from_the_page(client, users, institution):
    url = reverse("providers:institution_status", args=[institution.pk])
    client.force_login(users.care_admin)
    assert client.post(url, {"action": "suspend", "reason": "x"}).status_code == 403
    client.force_login(users.bureau_admin)
    refused = client.post(url, {"action": "suspend", "reason": ""})
    assert refused.status_code == 422 and "请填写原因" in refused.content.decode()
    done = client.post(url, {"action": "suspend", "reason": "检查发现问题"})
    assert done.status_code == 302
    institution.refresh_from_db()
    assert institution.status == "suspended"
    # The suspended institution's own admin now sees nothing of it.
    client.force_login(users.care_admin)
    assert (
        client.get(reverse("providers:institution_detail", args=[institution.pk])).status_code
        == 404
    )


def test_admission_from_the_page(client, users, city):
    from changhu.providers import rules

    client.force_login(users.bureau_admin)
    data = {
        "name": "锦江幸福家园",
        "uscc": rules.make_uscc("52510104MJ5550001"),
        "care_kind": "nursing_home",
        "region_code": "510104",
        "address": "锦江区某路1号",
        "beds": "40",
        "care_modes": ["institutional", "family"],
        "contact_phone": "13800001111",
        "documents": "营业执照\n消防验收意见书",
        "service_points": "东站|东大街1号",
    }
    _refused_then_saved(
        client, "providers:admission_new", data, uscc="123", message="统一社会信用代码应为18位"
    )
    admission = Admission.objects.get()
    assert [d["title"] for d in admission.documents] == ["营业执照", "消防验收意见书"]
    detail = reverse("providers:admission_detail", args=[admission.pk])
    client.post(reverse("providers:admission_action", args=[admission.pk, "review"]))
    today = clock.today()
    approved = client.post(
        reverse("providers:admission_action", args=[admission.pk, "approve"]),
        {
            "valid_from": today.isoformat(),
            "valid_until": (today + dt.timedelta(days=700)).isoformat(),
        },
    )
    assert approved.status_code == 302, approved.content.decode()[:500]
    admission.refresh_from_db()
    assert admission.status == "approved"
    assert "查看机构" in client.get(detail).content.decode()


def test_caregiver_registration_and_certificate_from_the_page(client, users, institution):
    client.force_login(users.care_admin)
    data = {
        "kind": "staff",
        "name": "冯晓梅",
        "id_number": valid_id_number("510104", dt.date(1979, 9, 9)),
        "phone": "13500002222",
        "qualification": "care_worker",
    }
    _refused_then_saved(
        client, "providers:caregiver_new", data, id_number="123", message="身份证号码应为18位"
    )
    caregiver = Caregiver.objects.get()
    url = reverse("providers:caregiver_action", args=[caregiver.pk, "certificate"])
    response = client.post(
        url,
        {
            "kind": "care_worker",
            "number": "Z-9",
            "issued_on": "2024-01-01",
            "expires_on": "2023-01-01",
        },
    )
    assert response.status_code == 422 and "有效期至不能早于发证日期" in response.content.decode()
    client.post(
        url,
        {
            "kind": "care_worker",
            "number": "Z-9",
            "issued_on": "2024-01-01",
            "expires_on": "2029-01-01",
        },
    )
    assert caregiver.certificates.count() == 1


def test_import_from_the_page(client, users, institution, media_root):
    book = Workbook()
    book.active.append([c.label for c in CAREGIVER_COLUMNS])
    book.active.append(
        ["韩雪", valid_id_number("510104", dt.date(1985, 5, 5)), "", "", "机构护理员"]
    )
    book.active.append(["", "bad", "", "", "机构护理员"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "护理员.xlsx"
    client.force_login(users.care_admin)
    response = client.post(reverse("providers:import_new"), {"kind": "caregivers", "file": buffer})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    html = client.get(response.url).content.decode()
    assert 'data-error-row="3"' in html and "下载错误报告" in html
    client.post(reverse("providers:import_commit", args=[batch.pk]), {"mode": "all_or_nothing"})
    assert not Caregiver.objects.exists()
    client.post(reverse("providers:import_commit", args=[batch.pk]), {"mode": "valid_only"})
    assert Caregiver.objects.count() == 1
    assert client.get(reverse("providers:import_errors", args=[batch.pk])).status_code == 200
    assert client.get(reverse("providers:export", args=["caregivers"])).status_code == 200


def test_templates_have_no_inline_script_or_style():
    assert_no_inline_script_or_style(TEMPLATES)
