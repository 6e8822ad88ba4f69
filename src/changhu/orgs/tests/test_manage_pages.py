"""The 系统管理 pages, the bulk import of logins and the /api/v1/manage/ endpoints."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from changhu.core.models import AuditEntry
from changhu.orgs import imports
from changhu.orgs.models import ApiToken, Organization, User
from changhu.orgs.roles import RIGHT_LABELS, Right, Role
from tests.api import ApiClient, assert_api_error

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_users_page_lists_what_the_admin_manages_and_refuses_others(users):
    page = signed_in(users.supervisor_a).get("/manage/users/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "worker_a" in text and "outlet_worker" in text
    assert "worker_b" not in text and "bureau_admin" not in text
    for lacking in (users.worker_a, users.regulator, users.assessor, users.caregiver):
        assert signed_in(lacking).get("/manage/users/").status_code == 403
    assert signed_in(users.worker_a).get("/manage/").status_code == 403


def test_the_menu_shows_系统管理_only_with_the_right(users):
    assert "/manage/users/" in signed_in(users.care_admin).get("/").content.decode()
    assert "/manage/" not in signed_in(users.worker_a).get("/").content.decode()


def test_create_a_login_on_the_page_shows_the_password_once(users, orgs):
    client = signed_in(users.supervisor_a)
    form = client.get("/manage/users/new/").content.decode()
    assert "商保经办人员" in form and "医保局管理员" not in form  # only grantable roles
    response = client.post(
        "/manage/users/new/",
        {
            "username": "zhangwei",
            "real_name": "张伟",
            "organization": orgs.insurer_a.pk,
            "role": Role.INSURER_CASE_WORKER,
            "region_code": "",
        },
    )
    assert response.status_code == 200
    password = re.search(r'data-testid="password-value">(\w+)<', response.content.decode())[1]
    user = User.objects.get(username="zhangwei")
    assert user.check_password(password) and user.must_change_password
    # a role beyond one's rights, sent by hand, is refused and nothing is created
    refused = client.post(
        "/manage/users/new/",
        {
            "username": "sneaky",
            "real_name": "越权",
            "organization": orgs.insurer_a.pk,
            "role": Role.BUREAU_ADMIN,
        },
    )
    assert refused.status_code == 422
    assert not User.objects.filter(username="sneaky").exists()


def test_reset_disable_and_outsiders_on_the_page(users):
    client = signed_in(users.supervisor_a)
    worker = users.worker_a
    detail = client.get(f"/manage/users/{worker.pk}/")
    assert detail.status_code == 200
    reset = client.post(f"/manage/users/{worker.pk}/reset/")
    assert reset.status_code == 200 and 'data-testid="new-password"' in reset.content.decode()
    client.post(f"/manage/users/{worker.pk}/disable/")
    worker.refresh_from_db()
    assert not worker.is_active
    # outside the organization: 404, for reading and for writing
    assert client.get(f"/manage/users/{users.worker_b.pk}/").status_code == 404
    assert client.post(f"/manage/users/{users.worker_b.pk}/reset/").status_code == 404
    users.worker_b.refresh_from_db()
    assert users.worker_b.is_active


def test_organization_pages(users, orgs):
    bureau = signed_in(users.bureau_admin)
    assert bureau.get("/manage/organizations/").status_code == 200
    response = bureau.post(
        "/manage/organizations/new/",
        {
            "kind": "assessment",
            "name": "成都市第二评估中心",
            "region_code": "510105",
            "status": "active",
            "coverage_codes": ["510105", "510107"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    org = Organization.objects.get(name="成都市第二评估中心")
    assert sorted(r.code for r in org.coverage.all()) == ["510105", "510107"]
    care = signed_in(users.care_admin)
    own = care.get(f"/manage/organizations/{orgs.care.pk}/")
    assert own.status_code == 200 and 'name="kind"' not in own.content.decode()
    assert care.get(f"/manage/organizations/{orgs.insurer_a.pk}/").status_code == 404
    assert care.get("/manage/organizations/new/").status_code == 403
    assert signed_in(users.supervisor_a).get("/manage/organizations/new/").status_code == 200
    assert AuditEntry.objects.filter(object_type="orgs.organization", action="create").exists()


def test_the_rights_page_is_in_words(users):
    page = signed_in(users.care_admin).get("/manage/roles/").content.decode()
    assert "护理机构管理员" in page and RIGHT_LABELS[Right.CARE_PLAN] in page
    assert "care.plan" not in page and "care_admin" not in page


def _csv(*rows):
    content, _, _ = imports.PIPELINE.template(kind="users", file_format="csv")
    header = content.decode("utf-8-sig").splitlines()[0]
    data = header + "\n" + "\n".join(",".join(r) for r in rows) + "\n"
    return SimpleUploadedFile("users.csv", data.encode("utf-8"))


def test_bulk_import_checks_each_row_in_chinese_and_creates_logins(users, orgs):
    client = signed_in(users.supervisor_a)
    template = client.get("/manage/imports/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    response = client.post(
        "/manage/imports/",
        {
            "file": _csv(
                ["lihua", "李华", orgs.insurer_a.name, "商保经办人员", ""],
                ["lihua", "李华2", orgs.insurer_a.name, "商保经办人员", ""],
                ["boss", "王局", orgs.insurer_a.name, "医保局管理员", ""],
                ["other", "外人", orgs.insurer_b.name, "商保经办人员", ""],
                ["x", "短名", orgs.outlet_a.name, "商保经办人员", ""],
            )
        },
    )
    assert response.status_code == 302
    batch_url = response.url
    page = client.get(batch_url).content.decode()
    assert "与第2行的登录名重复" in page
    assert "不能授予超出本人权限的角色" in page
    assert "不在您的管理范围内" in page
    assert "登录名应为3至40位" in page
    committed = client.post(batch_url + "commit/", {"mode": "valid_only"})
    assert committed.status_code == 302
    user = User.objects.get(username="lihua")
    assert user.organization == orgs.insurer_a and not user.has_usable_password()
    assert user.must_change_password
    assert not User.objects.filter(username__in=["boss", "other", "x"]).exists()
    assert signed_in(users.worker_a).get("/manage/imports/").status_code == 403


def test_the_api_lists_creates_resets_and_disables_within_scope(users, orgs):
    api = ApiClient(users.supervisor_a)
    listed = api.get("manage/users")
    assert listed.status_code == 200
    assert {u["username"] for u in listed.body["items"]} == {
        "worker_a",
        "supervisor_a",
        "outlet_worker",
    }
    created = api.post(
        "manage/users",
        {
            "username": "apiworker",
            "real_name": "接口经办",
            "organization_id": orgs.insurer_a.pk,
            "role": "insurer_case_worker",
        },
    )
    assert created.status_code == 201 and created.body["initial_password"]
    assert created.body["must_change_password"] is True
    beyond = api.post(
        "manage/users",
        {
            "username": "apiboss",
            "real_name": "越权",
            "organization_id": orgs.insurer_a.pk,
            "role": "bureau_admin",
        },
    )
    assert_api_error(beyond, 403, "role_beyond_rights")
    worker_api = ApiClient(users.worker_a)
    reset = api.post(f"manage/users/{users.worker_a.pk}/password-reset")
    assert reset.status_code == 200 and reset.body["initial_password"]
    assert not ApiToken.objects.filter(user=users.worker_a, revoked=False).exists()
    assert worker_api.get("manage/users").status_code == 401  # its token is gone
    disabled = api.post(f"manage/users/{users.outlet_worker.pk}/disable")
    assert disabled.status_code == 200 and disabled.body["is_active"] is False
    assert_api_error(api.post(f"manage/users/{users.worker_b.pk}/disable"), 404, "not_found")
    assert_api_error(ApiClient(users.regulator).get("manage/users"), 403, "permission_denied")
    assert AuditEntry.objects.filter(object_type="orgs.user", channel="api").count() >= 3
