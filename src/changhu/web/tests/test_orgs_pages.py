"""Organization pages: a scoped list filtered by kind, and a detail page that 404s outside it."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def listed(response) -> list[str]:
    return re.findall(r'class="fw-semibold" href="[^"]+">([^<]+)</a>', response.content.decode())


def test_list_is_scoped_and_filtered_by_kind(client, users, orgs):
    client.force_login(users.worker_a)
    url = reverse("orgs:organization_list")
    response = client.get(url)
    assert response.status_code == 200
    assert sorted(listed(response)) == sorted(
        ["甲保险成都分公司", "甲保险锦江网点", "成都市第一评估中心", "锦江康养护理院"]
    )
    assert listed(client.get(url, {"kind": "care"})) == ["锦江康养护理院"]
    # An unknown kind is ignored rather than an error.
    assert client.get(url, {"kind": "nonsense"}).status_code == 200


def test_without_the_right_only_the_own_organization(client, users, orgs):
    client.force_login(users.assessor)
    assert listed(client.get(reverse("orgs:organization_list"))) == ["成都市第一评估中心"]


def test_detail_shows_coverage_and_branches(client, users, orgs):
    client.force_login(users.worker_a)
    response = client.get(reverse("orgs:organization_detail", args=[orgs.insurer_a.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "锦江区" in html and "青羊区" in html and "甲保险锦江网点" in html


@pytest.mark.parametrize(
    ("username", "organization"),
    [("worker_a", "insurer_b"), ("care_admin", "insurer_a"), ("assessor", "care")],
)
def test_detail_outside_scope_is_404(client, users, orgs, username, organization):
    client.force_login(getattr(users, username))
    target = getattr(orgs, organization)
    response = client.get(reverse("orgs:organization_detail", args=[target.pk]))
    assert response.status_code == 404
    assert target.name not in response.content.decode()
