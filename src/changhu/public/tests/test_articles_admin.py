"""The bureau edits the public site's articles; nobody else may."""

from __future__ import annotations

import pytest
from django.test import Client

from changhu.core.models import AuditEntry
from changhu.public.models import Article

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


ARTICLE = {
    "kind": "policy",
    "title": "待遇标准",
    "summary": "",
    "body": "## 基础照护\n每月定额支付。",
    "order": "10",
    "published": "on",
}


def test_the_bureau_writes_publishes_and_edits_with_audit(users, city, anonymous):
    bureau = client_for(users.bureau_admin)
    assert bureau.get("/disclosure/articles/").status_code == 200
    assert bureau.post("/disclosure/articles/new/", ARTICLE).status_code == 302
    article = Article.objects.get()
    assert article.published and article.created_by == users.bureau_admin
    assert "待遇标准" in anonymous.get("/public/articles/policy/").content.decode()
    edit = bureau.get(f"/disclosure/articles/{article.pk}/")
    assert edit.status_code == 200 and "公开网站上的样子" in edit.content.decode()
    withdrawn = {**ARTICLE, "published": "", "title": "待遇标准（修订）", "version": "1"}
    assert bureau.post(f"/disclosure/articles/{article.pk}/", withdrawn).status_code == 302
    article.refresh_from_db()
    assert not article.published and article.version == 2
    entry = AuditEntry.objects.filter(object_type="public.article", action="update").get()
    assert entry.changes["published"]["new"] == "否" and entry.changes["title"]["old"] == "待遇标准"
    assert "待遇标准" not in anonymous.get("/public/articles/policy/").content.decode()
    stale = bureau.post(f"/disclosure/articles/{article.pk}/", {**withdrawn, "version": "1"})
    assert stale.status_code == 409 and "刚被他人修改" in stale.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "标题"),
        ({"body": ""}, "正文"),
        ({"kind": "news"}, "栏目"),
        ({"order": "5000"}, "排序"),
    ],
)
def test_bad_article_input_is_refused_in_chinese(users, city, overrides, message):
    response = client_for(users.bureau_admin).post(
        "/disclosure/articles/new/", {**ARTICLE, **overrides}
    )
    assert response.status_code == 422 and message in response.content.decode()
    assert not Article.objects.exists()


def test_only_the_bureau_edits(users, city):
    article = Article.objects.create(kind="guide", title="指南", body="正文", published=True)
    for user in (
        users.regulator,
        users.worker_a,
        users.supervisor_a,
        users.care_admin,
        users.assessor,
        users.applicant,
    ):
        client = client_for(user)
        assert client.get("/disclosure/articles/").status_code == 403, user
        assert client.get(f"/disclosure/articles/{article.pk}/").status_code == 403, user
        assert client.post("/disclosure/articles/new/", ARTICLE).status_code == 403, user
        posted = client.post(f"/disclosure/articles/{article.pk}/", {**ARTICLE, "version": "1"})
        assert posted.status_code == 403, user
    assert Article.objects.count() == 1 and Article.objects.get().title == "指南"
    assert Client().get("/disclosure/articles/").status_code == 302  # to the sign-in page


def test_another_citys_bureau_gets_nothing(users, city):
    from changhu.orgs.models import OrgKind, RegionLevel
    from changhu.orgs.roles import Role
    from tests.factories import OrganizationFactory, RegionFactory, UserFactory

    bureau = client_for(users.bureau_admin)
    assert bureau.post("/disclosure/articles/new/", ARTICLE).status_code == 302
    article = Article.objects.get()
    assert article.region_code == "510100"
    deyang = RegionFactory(code="510600", name="德阳市", level=RegionLevel.CITY)
    other = UserFactory(
        username="deyang_bureau",
        role=Role.BUREAU_ADMIN,
        organization=OrganizationFactory(
            kind=OrgKind.BUREAU, name="德阳市医疗保障局", region=deyang
        ),
    )
    outsider = client_for(other)
    assert "待遇标准" not in outsider.get("/disclosure/articles/").content.decode()
    assert outsider.get(f"/disclosure/articles/{article.pk}/").status_code == 404
    edit = {**ARTICLE, "title": "改掉", "version": "1"}
    assert outsider.post(f"/disclosure/articles/{article.pk}/", edit).status_code == 404
    assert Article.objects.get().title == "待遇标准"
