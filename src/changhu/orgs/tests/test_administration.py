"""Staff and organization administration: who may grant what, within which organizations, and
what a disable or a password reset takes away."""

from __future__ import annotations

from decimal import Decimal

import pytest
from axes.models import AccessAttempt
from django.test import Client

from changhu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from changhu.core.models import AuditEntry
from changhu.orgs import administration as admin
from changhu.orgs.models import ApiToken, Consortium, Organization, User
from changhu.orgs.roles import RIGHTS, Role
from changhu.orgs.services import token_issue
from tests.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


def new_user(actor, org, role, username="newstaff", region_code=""):
    return admin.user_create(
        actor=actor,
        data=admin.UserInput(
            username=username,
            real_name="新同事",
            organization_id=org.pk,
            role=role,
            region_code=region_code,
        ),
    )


def test_the_bureau_admin_opens_a_login_that_must_change_its_password(users, orgs):
    user, password = new_user(users.bureau_admin, orgs.bureau, Role.BUREAU_REGULATOR)
    user.refresh_from_db()
    assert user.check_password(password) and user.must_change_password
    assert user.role == Role.BUREAU_REGULATOR and user.organization == orgs.bureau
    entry = AuditEntry.objects.get(object_type="orgs.user", object_id=str(user.pk))
    assert entry.action == "create" and entry.actor == users.bureau_admin


@pytest.mark.parametrize(
    ("actor", "org", "role"),
    [
        # a supervisor may open case workers, but not a role holding rights it lacks
        ("care_admin", "care", Role.CAREGIVER),
        ("supervisor_a", "insurer_a", Role.BUREAU_ADMIN),
        ("bureau_admin", "insurer_a", Role.INSURER_SUPERVISOR),
        ("bureau_admin", "care", Role.CARE_ADMIN),
    ],
)
def test_no_admin_grants_a_right_they_do_not_hold(users, orgs, actor, org, role):
    actor_user = getattr(users, actor)
    assert not RIGHTS[role] <= RIGHTS[actor_user.role]
    with pytest.raises(PermissionDenied) as refused:
        new_user(actor_user, getattr(orgs, org), role)
    assert refused.value.code == "role_beyond_rights"
    assert not User.objects.filter(username="newstaff").exists()


def test_an_insurer_admin_opens_case_workers_in_its_own_organization_only(users, orgs):
    user, _ = new_user(users.supervisor_a, orgs.insurer_a, Role.INSURER_CASE_WORKER)
    assert user.organization == orgs.insurer_a
    # its outlet is its own too
    new_user(users.supervisor_a, orgs.outlet_a, Role.INSURER_CASE_WORKER, username="outlet2")
    for other in (orgs.insurer_b, orgs.bureau, orgs.care):
        with pytest.raises(NotFound):
            new_user(users.supervisor_a, other, Role.INSURER_CASE_WORKER, username="x" * 5)


def test_outsiders_get_not_found_and_roles_without_the_right_are_refused(users, orgs):
    with pytest.raises(NotFound):
        admin.user_password_reset(actor=users.supervisor_a, user_id=users.worker_b.pk)
    with pytest.raises(NotFound):
        admin.user_disable(actor=users.care_admin, user_id=users.worker_a.pk)
    # the bureau admin cannot manage a login holding rights it lacks
    with pytest.raises(NotFound):
        admin.user_password_reset(actor=users.bureau_admin, user_id=users.worker_a.pk)
    for lacking in (users.worker_a, users.regulator, users.caregiver, users.assessor):
        with pytest.raises(PermissionDenied):
            admin.managed_users(fetched_by=lacking)
        with pytest.raises(PermissionDenied):
            admin.user_disable(actor=lacking, user_id=users.care_admin.pk)
    listed = set(
        admin.managed_users(fetched_by=users.supervisor_a).values_list("username", flat=True)
    )
    assert listed == {"worker_a", "supervisor_a", "outlet_worker"}


def test_a_role_must_fit_the_organization_kind_and_the_region_the_scope(users, orgs, city):
    with pytest.raises(ValidationFailed) as refused:
        new_user(users.bureau_admin, orgs.insurer_a, Role.BUREAU_REGULATOR)
    assert refused.value.code == "role_org_kind"
    with pytest.raises(ValidationFailed) as refused:
        new_user(users.supervisor_a, orgs.insurer_a, Role.INSURER_CASE_WORKER, region_code="510107")
    assert refused.value.code == "region_outside"  # 武侯区 is insurer B's
    user, _ = new_user(
        users.supervisor_a, orgs.insurer_a, Role.INSURER_CASE_WORKER, region_code="510104"
    )
    assert user.region_scope == city.jinjiang
    with pytest.raises(Conflict):
        new_user(users.supervisor_a, orgs.insurer_a, Role.INSURER_CASE_WORKER)  # same name again


def test_reset_revokes_tokens_and_sessions_and_forces_a_change(users):
    worker = users.worker_a
    token_issue(worker, name="phone")
    browser = Client()
    browser.force_login(worker)
    assert browser.get("/").status_code == 200
    AccessAttempt.objects.create(
        username=worker.username, ip_address="10.0.0.1", failures_since_start=9, user_agent="t"
    )
    assert admin.is_locked(worker)

    account, password = admin.user_password_reset(actor=users.supervisor_a, user_id=worker.pk)

    assert not ApiToken.objects.filter(user=worker, revoked=False).exists()
    assert browser.get("/").status_code == 302  # signed out
    assert not admin.is_locked(worker)
    account.refresh_from_db()
    assert account.must_change_password and account.check_password(password)
    assert not account.check_password(PASSWORD)
    fresh = Client()
    assert (
        fresh.post("/login/", {"username": worker.username, "password": password}).status_code
        == 302
    )
    assert fresh.get("/").url.startswith("/password/")  # the change comes first
    assert AuditEntry.objects.filter(object_id=str(worker.pk), note__startswith="重置密码").exists()


def test_disable_ends_tokens_and_sessions_and_is_audited(users):
    worker = users.worker_a
    token_issue(worker)
    browser = Client()
    browser.force_login(worker)
    admin.user_disable(actor=users.supervisor_a, user_id=worker.pk)
    worker.refresh_from_db()
    assert not worker.is_active
    assert not ApiToken.objects.filter(user=worker, revoked=False).exists()
    assert browser.get("/").status_code == 302
    with pytest.raises(Conflict):
        admin.user_disable(actor=users.supervisor_a, user_id=worker.pk)
    with pytest.raises(Conflict):
        admin.user_disable(actor=users.supervisor_a, user_id=users.supervisor_a.pk)  # oneself
    assert AuditEntry.objects.filter(object_id=str(worker.pk), note="停用账号").count() == 1


def test_unlock_clears_the_lockout(users, orgs):
    colleague, _ = new_user(users.care_admin, orgs.care, Role.CARE_ADMIN, username="careadmin2")
    AccessAttempt.objects.create(
        username="careadmin2", ip_address="10.0.0.1", failures_since_start=9, user_agent="t"
    )
    assert admin.is_locked(colleague)
    admin.user_unlock(actor=users.care_admin, user_id=colleague.pk)
    assert not admin.is_locked(colleague)
    assert AuditEntry.objects.filter(object_id=str(colleague.pk), note__startswith="解除").exists()


def test_a_role_change_beyond_ones_rights_is_refused(users):
    worker = users.outlet_worker
    with pytest.raises(PermissionDenied):
        admin.user_update(
            actor=users.supervisor_a, user_id=worker.pk, real_name="甲", role=Role.BUREAU_ADMIN
        )
    admin.user_update(
        actor=users.supervisor_a,
        user_id=worker.pk,
        real_name="王网点",
        role=Role.INSURER_SUPERVISOR,
    )
    worker.refresh_from_db()
    assert worker.role == Role.INSURER_SUPERVISOR and worker.real_name == "王网点"


def org_input(**values):
    return admin.OrganizationInput(**values)


def test_the_bureau_admin_creates_an_insurer_in_a_consortium_with_shares(users, city, orgs):
    consortium = Consortium.objects.create(name="成都长护共保体", city=city.city)
    orgs.insurer_b.consortium = consortium
    orgs.insurer_b.consortium_share = Decimal("60")
    orgs.insurer_b.save()
    data = org_input(
        kind="insurer",
        name="丙保险成都分公司",
        region_code="510100",
        coverage_codes=["510105"],
        consortium_id=consortium.pk,
        consortium_share="50",
    )
    with pytest.raises(ValidationFailed) as refused:
        admin.organization_create(actor=users.bureau_admin, data=data)
    assert refused.value.code == "share_over_total"
    data.consortium_share = "40"
    org = admin.organization_create(actor=users.bureau_admin, data=data)
    assert org.consortium == consortium and org.consortium_share == Decimal("40.00")
    assert [r.code for r in org.coverage.all()] == ["510105"]
    org.refresh_from_db()
    assert org.scope_prefixes == "510105"
    assert AuditEntry.objects.filter(
        object_type="orgs.organization", object_id=str(org.pk)
    ).exists()


def test_an_insurer_admin_edits_only_its_own_contact_details_and_adds_outlets(users, orgs, city):
    admin.organization_update(
        actor=users.supervisor_a,
        organization_id=orgs.insurer_a.pk,
        data=org_input(
            name="改名",
            kind="care",
            contact_name="张三",
            contact_phone="02888886666",
            status="terminated",
        ),
    )
    orgs.insurer_a.refresh_from_db()
    assert orgs.insurer_a.name == "甲保险成都分公司" and orgs.insurer_a.kind == "insurer"
    assert orgs.insurer_a.status == "active" and orgs.insurer_a.contact_name == "张三"
    outlet = admin.organization_create(
        actor=users.supervisor_a,
        data=org_input(kind="bureau", name="甲保险青羊网点", region_code="510105"),
    )
    assert outlet.kind == "outlet" and outlet.parent == orgs.insurer_a
    with pytest.raises(NotFound):
        admin.organization_update(
            actor=users.supervisor_a, organization_id=orgs.insurer_b.pk, data=org_input()
        )
    with pytest.raises(ValidationFailed):  # 武侯区 is outside insurer A's scope
        admin.organization_create(
            actor=users.supervisor_a,
            data=org_input(name="越界网点", region_code="510107"),
        )
    with pytest.raises(PermissionDenied):  # an institution does not create organizations
        admin.organization_create(
            actor=users.care_admin, data=org_input(name="新网点", region_code="510104")
        )
    assert not Organization.objects.filter(name__in=["越界网点", "新网点"]).exists()
