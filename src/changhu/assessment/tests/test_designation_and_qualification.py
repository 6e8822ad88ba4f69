"""Dispatch only to assessment institutions in force (providers' designation), and only
qualified assessors (the assessor register) on a team."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from changhu.assessment import selectors, services
from changhu.assessment.models import Application, Status
from changhu.assessment.tests.flow import advance, submit
from changhu.core import clock
from changhu.core.errors import Conflict, ValidationFailed
from changhu.orgs.roles import Role
from changhu.providers import services as providers
from changhu.providers.models import Assessor, Certificate, Institution
from tests.factories import UserFactory, make_assessor

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(users, people, team):
    return submit(users.worker_a, people.jinjiang)


def accepted(case, users):
    services.application_accept(actor=users.worker_a, application_id=case.pk)
    return Application.objects.get(pk=case.pk)


def test_dispatch_skips_an_institution_not_in_force(case, users, team):
    case = accepted(case, users)
    names = [o.organization.name for o in selectors.dispatch_options(case)]
    assert team.first.name in names and team.second.name in names
    first = Institution.all_kinds.get(organization=team.first)
    providers.institution_set_status(
        actor=users.bureau_admin, institution_id=first.pk, action="suspend", reason="质量抽查"
    )
    second = Institution.all_kinds.get(organization=team.second)
    agreement = second.agreements.get()
    providers.agreement_terminate(
        actor=users.bureau_admin,
        agreement_id=agreement.pk,
        ended_on=clock.today() - dt.timedelta(days=1),
        reason="协议解除",
    )
    assert selectors.dispatch_options(case) == []
    with pytest.raises(ValidationFailed) as exc:
        services.application_dispatch(
            actor=users.worker_a, application_id=case.pk, institution_id=team.first.pk
        )
    assert exc.value.code == "institution_not_eligible"
    with pytest.raises(Conflict) as exc:
        services.application_dispatch(actor=users.worker_a, application_id=case.pk)
    assert exc.value.code == "no_eligible_institution"
    assert Application.objects.get(pk=case.pk).status == Status.ACCEPTED
    providers.institution_set_status(
        actor=users.bureau_admin, institution_id=first.pk, action="reinstate", reason="整改完毕"
    )
    services.application_dispatch(actor=users.worker_a, application_id=case.pk)
    assert Application.objects.get(pk=case.pk).institution_id == team.first.pk


def test_an_organization_never_designated_gets_no_case(case, users, orgs, city):
    from tests.factories import OrganizationFactory

    OrganizationFactory(kind="assessment", name="未准入评估公司", region=city.jinjiang)
    case = accepted(case, users)
    names = [o.organization.name for o in selectors.dispatch_options(case)]
    assert "未准入评估公司" not in names


def test_only_qualified_assessors_go_on_a_team(case, users, team):
    case = advance(case, Status.DISPATCHED, worker=users.worker_a, institution=team.first)
    unregistered = UserFactory(
        username="newcomer", role=Role.ASSESSOR, organization=team.first, real_name="新来的"
    )
    expired_user = UserFactory(
        username="lapsed", role=Role.ASSESSOR, organization=team.first, real_name="证过期"
    )
    institution = Institution.all_kinds.get(organization=team.first)
    today = clock.today()
    make_assessor(
        institution,
        user=expired_user,
        issued_on=today - dt.timedelta(days=900),
        expires_on=today - dt.timedelta(days=3),
    )
    options = {o.user.pk: o for o in selectors.assessor_options(case)}
    assert options[unregistered.pk].excluded and not options[unregistered.pk].qualified
    assert "未登记在评估人员库" in options[unregistered.pk].reasons[0]
    assert "过期" in options[expired_user.pk].reasons[0]
    assert options[team.assessor.pk].qualified and not options[team.assessor.pk].excluded
    for member in (unregistered, expired_user):
        with pytest.raises(Conflict) as exc:
            services.assessors_assign(
                actor=team.assessor,
                application_id=case.pk,
                user_ids=[member.pk, team.expert.pk],
            )
        assert exc.value.code == "assessor_not_qualified"
        assert "user_ids" in exc.value.fields
    assert Application.objects.get(pk=case.pk).status == Status.DISPATCHED
    # A new certificate (e.g. from training) qualifies at once.
    assessor = Assessor.objects.get(user=expired_user)
    Certificate.objects.create(
        assessor=assessor,
        kind="assessor",
        number="PG-RENEW",
        issued_on=today,
        expires_on=today + dt.timedelta(days=365),
    )
    services.assessors_assign(
        actor=team.assessor, application_id=case.pk, user_ids=[expired_user.pk, team.expert.pk]
    )
    assert Application.objects.get(pk=case.pk).status == Status.ASSIGNED


def test_the_team_picker_offers_only_qualified_assessors(client, case, users, team):
    case = advance(case, Status.DISPATCHED, worker=users.worker_a, institution=team.first)
    Assessor.objects.filter(user=team.assessor2).update(status="suspended")
    client.force_login(team.assessor)
    html = client.get(reverse("assessment:case_detail", args=[case.pk])).content.decode()
    picker = html[html.index('data-testid="team-form"') :]
    picker = picker[: picker.index("</form>")]
    assert f'value="{team.assessor2.pk}"' not in picker
    assert f'value="{team.expert.pk}"' in picker
    assert "不在岗" in picker  # the reason is shown beside the name
