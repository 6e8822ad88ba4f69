"""Transfers (转移安置): an institution's exit opens a case per beneficiary; the family or the
case worker chooses a new institution among those that can serve; completion moves the
arrangement, re-drafts the plan for re-confirmation and ends the old caregiver assignments;
scoped, audited, queued, on the pages and over the API."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from changhu.care import selectors, services, transfer_selectors
from changhu.care.models import (
    Arrangement,
    Assignment,
    FamilyNotice,
    Transfer,
)
from changhu.core import clock
from changhu.core.models import AuditEntry
from changhu.insured.models import ApplicantLink
from changhu.orgs.models import OrgKind, User
from changhu.orgs.roles import Role
from changhu.providers import services as provider_services
from changhu.web.queues import queues_for
from tests.api import ApiClient, assert_api_error
from tests.factories import OrganizationFactory, UserFactory, make_institution, open_entitlement

TODAY = clock.today()
ONE_DAY = dt.timedelta(days=1)
LINES = [
    services.PlanLineInput(item_code="SH05", times=2, period="week"),
    services.PlanLineInput(item_code="YL06", times=1, period="week"),
]


def _jinjiang_institution(city, name, *, modes=("home_visit", "family"), admin=None):
    org = OrganizationFactory(
        kind=OrgKind.CARE, name=name, region=city.jinjiang, care_kind="home_service"
    )
    institution = make_institution(org, care_kind="home_service", care_modes=modes)
    if admin:
        UserFactory(username=admin, role=Role.CARE_ADMIN, organization=org)
    return institution


@pytest.fixture
def world(users, people, city, institution, caregivers, catalogue):
    """张建国 (Jinjiang) cared for at home by 锦江康养护理院 with a confirmed plan and a
    caregiver; a second Jinjiang home-care service to move to; and
    institutions that may not be offered (suspended, no home visits, another district)."""
    term = {
        "valid_from": TODAY - dt.timedelta(days=60),
        "valid_until": TODAY + dt.timedelta(days=600),
    }
    open_entitlement(users.worker_a, people.jinjiang, institution, **term)
    plan = services.care_plan_draft(
        actor=users.care_admin,
        person_id=people.jinjiang.pk,
        lines=LINES,
        visits_times=2,
        visits_period="week",
    )
    services.care_plan_confirm(
        actor=users.worker_a,
        plan_id=plan.pk,
        channel="counter",
        signer_name="张小梅",
        signer_relationship="child",
    )
    assignment = services.assignment_create(
        actor=users.care_admin,
        person_id=people.jinjiang.pk,
        caregiver_id=caregivers.worker.pk,
        start_date=TODAY - dt.timedelta(days=30),
    )
    target = _jinjiang_institution(city, "锦江颐年居家照护中心", admin="target_admin")
    suspended = _jinjiang_institution(city, "锦江暂停护理站")
    provider_services.institution_set_status(
        actor=users.bureau_admin, institution_id=suspended.pk, action="suspend", reason="整改"
    )
    beds_only = _jinjiang_institution(city, "锦江护理院病区", modes=("institutional",))
    elsewhere = make_institution(
        OrganizationFactory(kind=OrgKind.CARE, name="武侯居家照护中心", region=city.wuhou),
        care_kind="home_service",
        care_modes=("home_visit",),
    )
    return SimpleNamespace(
        person=people.jinjiang,
        old=institution,
        target=target,
        suspended=suspended,
        beds_only=beds_only,
        elsewhere=elsewhere,
        plan=plan,
        assignment=assignment,
    )


def _terminate(users, world, day=TODAY):
    return provider_services.institution_set_status(
        actor=users.bureau_admin,
        institution_id=world.old.pk,
        action="terminate",
        reason="年度考核不合格，退出定点",
        effective_on=day,
    )


@pytest.mark.django_db
def test_terminating_an_institution_opens_a_case_per_beneficiary(users, world):
    _terminate(users, world)
    transfer = Transfer.objects.get()
    assert (transfer.person, transfer.from_institution, transfer.status) == (
        world.person,
        world.old,
        "open",
    )
    assert transfer.stopped_on == TODAY
    assert transfer.due_on == TODAY + dt.timedelta(days=services.TRANSFER_DAYS)
    assert transfer.care_mode == "home_visit" and transfer.cause == "institution_terminated"
    notice = FamilyNotice.objects.get()
    assert notice.transfer == transfer and "选择新的护理机构" in notice.title
    assert AuditEntry.objects.filter(object_type="care.transfer", object_id=str(transfer.pk))
    # Opening again (a retry, a second exit path) keeps the one pending case.
    services.transfers_open_for_institution(
        actor=users.bureau_admin,
        institution=world.old,
        last_day=TODAY,
        cause="institution_terminated",
    )
    assert Transfer.objects.count() == 1


@pytest.mark.django_db
def test_ending_the_only_agreement_early_opens_the_cases(users, world):
    agreement = world.old.agreements.get()
    provider_services.agreement_terminate(
        actor=users.bureau_admin, agreement_id=agreement.pk, ended_on=TODAY, reason="协议解除"
    )
    assert Transfer.objects.get().cause == "agreement_terminated"


@pytest.mark.django_db
def test_only_institutions_that_can_serve_are_offered(users, world):
    _terminate(users, world)
    transfer = Transfer.objects.get()
    assert services.transfer_options(transfer) == [world.target]
    api = ApiClient(users.worker_a)
    for refused in (world.suspended, world.beds_only, world.elsewhere, world.old):
        assert_api_error(
            api.post(f"care/transfers/{transfer.pk}/assign", {"institution_id": refused.pk}),
            409,
            "transfer_institution_unavailable",
        )
    transfer.refresh_from_db()
    assert transfer.status == "open" and transfer.to_institution is None


@pytest.mark.django_db
def test_completion_moves_arrangement_plan_and_assignments(users, world):
    _terminate(users, world)
    transfer = Transfer.objects.get()
    services.transfer_assign(
        actor=users.worker_a, transfer_id=transfer.pk, institution_id=world.target.pk
    )
    with pytest.raises(Exception) as refused:
        services.transfer_complete(
            actor=users.worker_a, transfer_id=transfer.pk, effective_date=TODAY - ONE_DAY
        )
    assert refused.value.code == "date_order"
    day = TODAY + ONE_DAY
    done = services.transfer_complete(actor=users.worker_a, transfer_id=transfer.pk)
    assert (done.status, done.effective_date, done.choice_channel) == (
        "completed",
        day,
        "case_worker",
    )
    old, new = Arrangement.objects.filter(person=world.person).order_by("start_date")
    assert (old.institution, old.end_date) == (world.old, day - ONE_DAY)
    assert (new.institution, new.start_date, new.end_date) == (world.target, day, None)
    assert done.new_arrangement == new
    # The plan in force ends the day before; the same items are drafted at the new institution.
    world.plan.refresh_from_db()
    assert (world.plan.status, world.plan.valid_until) == ("ended", day - ONE_DAY)
    draft = done.new_plan
    assert (draft.status, draft.institution, draft.version) == ("draft", world.target, 2)
    assert sorted(draft.items.values_list("item__code", flat=True)) == ["SH05", "YL06"]
    # The old institution's caregiver stops on the last day with it.
    world.assignment.refresh_from_db()
    assert world.assignment.end_date == day - ONE_DAY
    assert not Assignment.objects.filter(end_date__isnull=True).exists()
    # Eligibility, which settlement reads: the old institution up to the day before, then the new.
    before, after = selectors.eligibility_range(world.person.pk, day - ONE_DAY, day)
    assert (before.institution_id, after.institution_id) == (world.old.pk, world.target.pk)
    # The family is told, and re-confirms the plan through the usual flow.
    assert FamilyNotice.objects.filter(transfer=transfer, title="护理机构已更换").exists()
    ApplicantLink.objects.create(user=users.applicant, person=world.person, relationship="child")
    confirmed = services.care_plan_confirm(actor=users.applicant, plan_id=draft.pk, channel="app")
    assert confirmed.status == "confirmed" and confirmed.valid_from == day
    assert AuditEntry.objects.filter(
        object_type="care.transfer", object_id=str(transfer.pk), note__startswith="完成转移"
    ).exists()


@pytest.mark.django_db
def test_the_family_chooses_and_outsiders_see_nothing(users, world, other):
    _terminate(users, world)
    transfer = Transfer.objects.get()
    family = ApiClient(users.applicant)
    # Not linked to the person yet: nothing.
    assert family.get("care/transfers").body["total"] == 0
    assert_api_error(
        family.post(f"care/transfers/{transfer.pk}/assign", {"institution_id": world.target.pk}),
        404,
        "not_found",
    )
    ApplicantLink.objects.create(user=users.applicant, person=world.person, relationship="child")
    options = family.get(f"care/transfers/{transfer.pk}/options").body
    assert [o["name"] for o in options] == ["锦江颐年居家照护中心"]
    chosen = family.post(
        f"care/transfers/{transfer.pk}/assign", {"institution_id": world.target.pk}
    ).body
    assert chosen["status"] == "assigned" and chosen["choice_channel"] == "family"
    assert chosen["to_institution_name"] == "锦江颐年居家照护中心"
    # The family cannot complete it: that is the case worker's.
    assert_api_error(
        family.post(f"care/transfers/{transfer.pk}/complete", {}), 403, "permission_denied"
    )
    # Outside the district, another institution, or without the right: nothing.
    for outsider in (users.worker_b, other.admin, users.caregiver):
        api = ApiClient(outsider)
        assert api.get("care/transfers").body["total"] == 0
        assert api.get(f"care/transfers/{transfer.pk}").status_code == 404
    assert_api_error(
        ApiClient(users.worker_b).post(f"care/transfers/{transfer.pk}/complete", {}),
        404,
        "not_found",
    )
    # In the district: the case worker sees it and completes it.
    worker = ApiClient(users.worker_a)
    listed = worker.get("care/transfers", status="pending").body
    assert [row["person_name"] for row in listed["items"]] == ["张建国"]
    done = worker.post(f"care/transfers/{transfer.pk}/complete", {}).body
    assert done["status"] == "completed" and done["new_plan_id"]
    # The receiving institution sees the case; the one that left has no scope any more.
    receiving = User.objects.get(username="target_admin")
    assert ApiClient(receiving).get("care/transfers").body["total"] == 1


@pytest.mark.django_db
def test_the_queue_counts_those_not_moved_and_flags_the_overdue(users, world):
    _terminate(users, world, day=TODAY - dt.timedelta(days=services.TRANSFER_DAYS + 5))
    card = next(c for c in queues_for(users.worker_a) if c.key == "care.transfers")
    assert (card.count, card.overdue) == (1, 1)
    transfer = Transfer.objects.get()
    assert transfer_selectors.days_waiting(transfer) == services.TRANSFER_DAYS + 5
    assert not any(c.key == "care.transfers" for c in queues_for(users.applicant))
    outsider = next(c for c in queues_for(users.worker_b) if c.key == "care.transfers")
    assert outsider.count == 0
    services.transfer_assign(
        actor=users.worker_a, transfer_id=transfer.pk, institution_id=world.target.pk
    )
    services.transfer_complete(actor=users.worker_a, transfer_id=transfer.pk)
    card = next(c for c in queues_for(users.worker_a) if c.key == "care.transfers")
    assert (card.count, card.overdue) == (0, 0)


@pytest.mark.django_db
def test_cancel_needs_a_reason_and_closes_the_case(users, world):
    _terminate(users, world)
    transfer = Transfer.objects.get()
    api = ApiClient(users.worker_a)
    assert_api_error(
        api.post(f"care/transfers/{transfer.pk}/cancel", {"reason": " "}), 422, "reason_required"
    )
    assert (
        api.post(f"care/transfers/{transfer.pk}/cancel", {"reason": "家属放弃"}).body["status"]
        == "cancelled"
    )
    assert_api_error(
        api.post(f"care/transfers/{transfer.pk}/assign", {"institution_id": world.target.pk}),
        409,
        "transfer_not_pending",
    )


# --- pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_case_worker_pages(client, users, world):
    _terminate(users, world, day=TODAY - dt.timedelta(days=services.TRANSFER_DAYS + 1))
    transfer = Transfer.objects.get()
    client.force_login(users.worker_a)
    listing = client.get("/care/transfers/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert 'data-state="overdue"' in html and "逾期" in html and "张建国" in html
    detail = f"/care/transfers/{transfer.pk}/"
    page = client.get(detail).content.decode()
    assert "锦江颐年居家照护中心" in page and "锦江暂停护理站" not in page
    bad = client.post(f"{detail}assign/", {"institution": str(world.suspended.pk)})
    assert bad.status_code == 422
    ok = client.post(f"{detail}assign/", {"institution": str(world.target.pk)})
    assert ok.status_code == 302
    late = (TODAY + dt.timedelta(days=90)).isoformat()
    refused = client.post(f"{detail}complete/", {"effective_date": late})
    assert refused.status_code == 422 and "转入生效日期应在" in refused.content.decode()
    done = client.post(f"{detail}complete/", {"effective_date": TODAY.isoformat()})
    assert done.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == "completed" and transfer.effective_date == TODAY
    assert "没有待转移安置的服务对象" in client.get("/care/transfers/").content.decode()


@pytest.mark.django_db
def test_pages_are_scoped_and_need_the_right(client, users, world):
    _terminate(users, world)
    transfer = Transfer.objects.get()
    client.force_login(users.worker_b)
    assert client.get(f"/care/transfers/{transfer.pk}/").status_code == 404
    client.force_login(users.regulator)
    assert client.get(f"/care/transfers/{transfer.pk}/").status_code == 200
    post = client.post(f"/care/transfers/{transfer.pk}/assign/", {"institution": world.target.pk})
    assert post.status_code == 403
    client.force_login(users.applicant)
    assert client.get(f"/care/transfers/{transfer.pk}/").status_code == 403
    assert client.get(f"/care/family/transfers/{transfer.pk}/").status_code == 404


@pytest.mark.django_db
def test_family_pages(client, users, world):
    _terminate(users, world)
    transfer = Transfer.objects.get()
    ApplicantLink.objects.create(user=users.applicant, person=world.person, relationship="child")
    client.force_login(users.applicant)
    page = client.get("/care/family/transfers/").content.decode()
    assert "请为老人选择新的护理机构" in page and "选择新机构" in page
    choose = f"/care/family/transfers/{transfer.pk}/"
    assert "锦江颐年居家照护中心" in client.get(choose).content.decode()
    assert client.post(choose, {"institution": str(world.elsewhere.pk)}).status_code == 422
    assert client.post(choose, {"institution": str(world.target.pk)}).status_code == 302
    transfer.refresh_from_db()
    assert transfer.choice_channel == "family" and transfer.to_institution == world.target
    notice = FamilyNotice.objects.get()
    client.post(f"/care/family/notices/{notice.pk}/read/")
    notice.refresh_from_db()
    assert notice.read_at is not None


@pytest.mark.django_db
def test_an_ended_entitlement_leaves_no_one_to_move(users, world):
    _terminate(users, world)
    transfer = Transfer.objects.get()
    services.entitlement_terminate(
        actor=users.worker_a,
        entitlement_id=transfer.entitlement_id,
        end_date=TODAY,
        reason="death",
    )
    transfer.refresh_from_db()
    assert transfer.status == "cancelled"
    card = next(c for c in queues_for(users.worker_a) if c.key == "care.transfers")
    assert card.count == 0
