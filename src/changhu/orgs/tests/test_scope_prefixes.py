"""The data scope is resolved from stored prefixes (no query per request) that follow every
change of an organization's region, parent and coverage; and the API's token look-up loads the
same objects the ORM would."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from changhu.api.auth import issue_token, principal_for
from changhu.core import clock
from changhu.core.scope import scope_of
from changhu.orgs.models import ApiToken, Organization, OrgKind, User
from changhu.orgs.scoping import compute_prefixes
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def stored(org) -> list[str]:
    return Organization.objects.get(pk=org.pk).scope_prefixes.split(",")


def test_prefixes_are_stored_on_create_and_follow_coverage(city, orgs):
    assert stored(orgs.insurer_a) == ["510104", "510105"]
    assert stored(orgs.bureau) == ["5101"]
    assert stored(orgs.care) == ["510104"]  # no coverage: its own region

    orgs.insurer_a.coverage.add(city.wuhou)
    assert stored(orgs.insurer_a) == ["510104", "510105", "510107"]
    orgs.insurer_a.coverage.remove(city.jinjiang)
    assert stored(orgs.insurer_a) == ["510105", "510107"]
    # From the region's side of the relation too.
    city.jinjiang.covering_organizations.add(orgs.insurer_b)
    assert stored(orgs.insurer_b) == ["510104", "510107"]
    city.jinjiang.covering_organizations.clear()
    assert stored(orgs.insurer_b) == ["510107"]
    orgs.insurer_a.coverage.clear()
    assert stored(orgs.insurer_a) == ["5101"]  # back to its region, the city


def test_outlets_follow_their_parent_and_region_changes(city, orgs):
    outlet = OrganizationFactory(
        kind=OrgKind.OUTLET, name="甲保险青羊网点", region=city.qingyang, parent=orgs.insurer_a
    )
    assert stored(outlet) == ["510104", "510105"]
    orgs.insurer_a.coverage.set([city.wuhou])
    assert stored(outlet) == ["510107"]

    orgs.care.region = city.wuhou
    orgs.care.save()
    assert stored(orgs.care) == ["510107"]
    for org in Organization.objects.all():
        assert org.scope_prefixes.split(",") == compute_prefixes(org), org.name


def test_scope_resolves_without_a_query_and_falls_back_when_not_stored(users, orgs):
    user = User.objects.select_related("organization", "region_scope").get(pk=users.worker_a.pk)
    with CaptureQueriesContext(connection) as queries:
        scope = scope_of(user)
    assert len(queries) == 0
    assert scope.region_prefixes == ("510104", "510105")

    # Rows written around the signals (bulk loads) are computed on the fly until refreshed.
    Organization.objects.filter(pk=orgs.insurer_a.pk).update(scope_prefixes="")
    user = User.objects.select_related("organization", "region_scope").get(pk=users.worker_a.pk)
    assert scope_of(user).region_prefixes == ("510104", "510105")


def test_token_principal_matches_the_orm_in_one_query(city, orgs):
    user = UserFactory(
        username="scoped_worker",
        role="insurer_case_worker",
        organization=orgs.insurer_a,
        region_scope=city.qingyang,
    )
    key, token = issue_token(user, name="test")
    with CaptureQueriesContext(connection) as queries:
        loaded = principal_for(key)
    assert len(queries) == 2  # the look-up, and the first use stamps last_used_at
    with CaptureQueriesContext(connection) as queries:
        again = principal_for(key)
        scope = scope_of(again)
    assert len(queries) == 1
    assert scope.region_prefixes == ("510105",)

    expected = User.objects.select_related("organization", "region_scope").get(pk=user.pk)
    for model_field in User._meta.concrete_fields:
        name = model_field.attname
        assert getattr(loaded, name) == getattr(expected, name), name
    for related in ("organization", "region_scope"):
        for model_field in getattr(expected, related)._meta.concrete_fields:
            name = model_field.attname
            assert getattr(getattr(loaded, related), name) == getattr(
                getattr(expected, related), name
            ), (related, name)
    assert loaded.organization.scope_prefixes == "510104,510105"
    assert loaded.last_login == expected.last_login and loaded.date_joined == expected.date_joined
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_token_principal_refuses_revoked_expired_unknown_and_inactive(orgs):
    user = UserFactory(username="someone", role="caregiver", organization=orgs.care)
    key, token = issue_token(user)
    assert principal_for(key) is not None
    assert principal_for(key + "x") is None
    user.is_active = False
    user.save()
    assert principal_for(key) is None
    user.is_active = True
    user.save()
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    assert principal_for(key) is None
    key2, token2 = issue_token(user)

    ApiToken.objects.filter(pk=token2.pk).update(expires_at=clock.now())
    assert principal_for(key2) is None


def test_user_without_organization_or_region_scope(db):
    user = UserFactory(username="loner", role="", organization=None)
    key, _ = issue_token(user)
    loaded = principal_for(key)
    assert loaded.pk == user.pk and loaded.organization is None and loaded.region_scope is None
