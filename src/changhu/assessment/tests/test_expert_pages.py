"""The expert pool pages and the 专家抽取 section of the case page: the pool with its filters and
workloads, adding and deactivating experts, relationships, drawing on a case, the draw record,
the expert's own queue; and nothing for outsiders."""

from __future__ import annotations

import pytest
from django.urls import reverse

from changhu.assessment import services
from changhu.assessment.models import Application, ExpertDraw, PoolExpert, Status
from changhu.assessment.tests.flow import advance, submit
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Role
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctors(city):
    hospital = OrganizationFactory(
        kind=OrgKind.ASSESSMENT, name="成都市第三人民医院专家组", region=city.qingyang
    )
    return [
        UserFactory(username=f"doctor{i}", role=Role.ASSESSMENT_EXPERT, organization=hospital)
        for i in (1, 2, 3)
    ]


@pytest.fixture
def pool(users, team, doctors):
    return [
        services.expert_add(
            actor=users.bureau_admin,
            data=services.ExpertInput(user_id=u.pk, profession="physician"),
        )
        for u in (*doctors, team.expert2)
    ]


@pytest.fixture
def case(users, people, team):
    return advance(
        submit(users.worker_a, people.jinjiang),
        Status.ASSESSED,
        worker=users.worker_a,
        assessors=[team.assessor, team.expert],
        institution=team.first,
    )


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    return response.status_code, response.content.decode()


def test_the_pool_page_lists_filters_and_adds(client, users, team, doctors, pool):
    status, html = page(client, users.bureau_admin, reverse("assessment:expert_list"))
    assert status == 200 and "评估专家库" in html and "专家入库" in html
    assert html.count('data-testid="pool-row"') == 4
    status, html = page(
        client, users.bureau_admin, reverse("assessment:expert_list") + f"?q={doctors[0].real_name}"
    )
    assert doctors[0].real_name in html
    # Add: the account must be an expert's and not in the pool already.
    response = client.post(
        reverse("assessment:expert_add"), {"user_id": team.expert3.pk, "profession": "nurse"}
    )
    entry = PoolExpert.objects.get(user=team.expert3)
    assert response.status_code == 302 and response.url == reverse(
        "assessment:expert_detail", args=[entry.pk]
    )
    assert entry.institution == team.second and entry.region_code == "5101"
    # Deactivate with a reason.
    response = client.post(
        reverse("assessment:expert_deactivate", args=[entry.pk]), {"reason": "退休"}
    )
    entry.refresh_from_db()
    assert response.status_code == 302 and not entry.active


def test_relationships_on_the_expert_page(client, users, team, orgs, pool):
    entry = pool[0]
    client.force_login(users.bureau_admin)
    client.post(
        reverse("assessment:conflict_declare", args=[entry.pk]),
        {"kind": "institution", "organization": orgs.care.pk, "note": "兼职"},
    )
    status, html = page(
        client, users.bureau_admin, reverse("assessment:expert_detail", args=[entry.pk])
    )
    assert "在该机构任职或兼职：锦江康养护理院（兼职）" in html
    # The expert sees their own entry and may declare, not another's.
    status, html = page(client, entry.user, reverse("assessment:expert_list"))
    assert status == 200 and html.count('data-testid="pool-row"') == 1
    other = pool[1]
    assert page(client, entry.user, reverse("assessment:expert_detail", args=[other.pk]))[0] == 404


def test_the_case_page_draws_and_shows_the_record(client, users, team, pool, case):
    status, html = page(
        client, users.bureau_admin, reverse("assessment:case_detail", args=[case.pk])
    )
    assert "专家抽取" in html and 'data-testid="draw"' in html and "尚未抽取确认专家" in html
    response = client.post(reverse("assessment:draw", args=[case.pk]))
    assert response.status_code == 302
    draw = ExpertDraw.objects.get(application=case)
    status, html = page(
        client, users.bureau_admin, reverse("assessment:case_detail", args=[case.pk])
    )
    for pick in draw.picks.all():
        assert pick.user.display_name in html
    assert f"{team.expert2.display_name}（{team.first.name}）：与本案评估机构" in html
    assert "重新抽取" in html
    status, html = page(
        client, users.bureau_admin, reverse("assessment:draw_detail", args=[draw.pk])
    )
    assert status == 200 and "复算一致" in html and draw.seed in html
    # A re-draw without a reason is refused with a message, nothing changes.
    client.post(reverse("assessment:draw", args=[case.pk]), {"reason": ""})
    assert ExpertDraw.objects.filter(application=case).count() == 1

    # The drawn expert finds the case in 待我确认 and confirms it on the case page.
    drawn = draw.picks.first().user
    status, html = page(client, drawn, reverse("assessment:case_list") + "?queue=my_confirmations")
    assert case.number in html
    status, html = page(client, drawn, reverse("assessment:case_detail", args=[case.pk]))
    assert 'data-testid="confirm-form"' in html and "回避的专家" not in html
    client.post(reverse("assessment:confirm", args=[case.pk]), {"decision": "confirm"})
    # The institution's own expert, not drawn, has no confirm form.
    status, html = page(client, team.expert2, reverse("assessment:case_detail", args=[case.pk]))
    assert 'data-testid="confirm-form"' not in html
    assert Application.objects.get(pk=case.pk).status == Status.ASSESSED


def test_outsiders_get_nothing_from_the_pages(client, users, team, pool, case):
    services.expert_draw_make(actor=users.bureau_admin, application_id=case.pk)
    draw = ExpertDraw.objects.get(application=case)
    for user in (users.care_admin, users.applicant):
        assert page(client, user, reverse("assessment:expert_list"))[0] == 403
    assert page(client, users.worker_b, reverse("assessment:draw_detail", args=[draw.pk]))[0] == 404
    assert page(client, users.assessor, reverse("assessment:draw_detail", args=[draw.pk]))[0] == 403
    assert (
        page(client, users.bureau_admin, reverse("assessment:expert_detail", args=[99999]))[0]
        == 404
    )
    client.force_login(users.care_admin)
    assert client.post(reverse("assessment:draw", args=[case.pk])).status_code == 403
    client.force_login(users.worker_a)
    response = client.post(
        reverse("assessment:expert_add"), {"user_id": team.expert3.pk, "profession": "nurse"}
    )
    assert response.status_code == 403 and not PoolExpert.objects.filter(user=team.expert3).exists()


def test_the_pool_page_and_api_do_not_grow_queries_with_the_pool(
    client, users, team, pool, django_assert_max_num_queries
):
    from tests.api import ApiClient

    client.force_login(users.bureau_admin)
    client.get(reverse("assessment:expert_list"))  # warm the session and caches
    with django_assert_max_num_queries(12):
        response = client.get(reverse("assessment:expert_list"))
    assert response.content.decode().count('data-testid="pool-row"') == 4
    api = ApiClient(users.bureau_admin)
    with django_assert_max_num_queries(8):
        assert api.get("assessment/experts").body["total"] == 4
