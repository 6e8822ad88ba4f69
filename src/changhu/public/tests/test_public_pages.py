"""The public site, no sign-in: what it shows and, above all, what it does not."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from changhu.core import clock, months
from changhu.fund import services as fund_services
from changhu.providers.models import Agreement, Institution
from changhu.public import caching, services
from changhu.public.models import Article
from tests.csp import assert_no_inline_script_or_style
from tests.factories import OrganizationFactory, make_institution

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
ID_NUMBER = re.compile(r"\d{17}[\dX]|\d{4}\*{6,}")
MOBILE = re.compile(r"1[3-9]\d{9}|1\d{2}\*{4}\d{4}")


def text_of(response) -> str:
    return response.content.decode()


def assert_nothing_personal(html: str, *persons) -> None:
    """No ID number (full or masked), no mobile number (full or masked), no full name."""
    assert not ID_NUMBER.search(html), ID_NUMBER.search(html)
    assert not MOBILE.search(html), MOBILE.search(html)
    for person in persons:
        assert person.name not in html
        assert person.id_number not in html
        assert person.id_number_masked not in html


def test_the_pages_need_no_sign_in_and_the_sign_in_page_links_them(anonymous, city):
    assert 'href="/public/"' in text_of(anonymous.get("/login/"))
    for url in (
        "/public/",
        "/public/institutions/",
        "/public/publicity/",
        "/public/fund/",
        "/public/articles/guide/",
        "/public/articles/policy/",
        "/public/consult/",
    ):
        response = anonymous.get(url)
        assert response.status_code == 200, url
        html = text_of(response)
        assert "028-12393" in html and 'lang="zh-CN"' in html, url
        assert 'name="viewport"' in html
    assert anonymous.get("/public/articles/unknown/").status_code == 404
    assert anonymous.get("/public/article/999999/").status_code == 404


def test_only_designated_institutions_with_an_agreement_in_force(
    anonymous, city, institution, other
):
    today = clock.today()
    suspended = make_institution(
        OrganizationFactory(kind="care", name="暂停协议护理院", region=city.qingyang)
    )
    Institution.objects.filter(pk=suspended.pk).update(status="suspended")
    lapsed = make_institution(
        OrganizationFactory(kind="care", name="协议到期护理院", region=city.qingyang),
        agreement_from=today - dt.timedelta(days=800),
        agreement_until=today - dt.timedelta(days=1),
    )
    ended = make_institution(
        OrganizationFactory(kind="care", name="提前解除护理院", region=city.qingyang)
    )
    Agreement.objects.filter(institution=ended).update(
        status="terminated", ended_on=today - dt.timedelta(days=3)
    )
    html = text_of(anonymous.get("/public/institutions/"))
    assert "锦江康养护理院" in html and "武侯居家照护服务中心" in html
    for name in ("暂停协议护理院", "协议到期护理院", "提前解除护理院"):
        assert name not in html
    assert "共 2 家" in html and "锦江区" in html and "机构照护" in html and "协议有效" in html
    shown = re.sub(r"<[^>]+>", " ", html)  # what a person reads
    assert "institutional" not in shown and "home_visit" not in shown  # labels, never codes
    assert lapsed.pk and suspended.pk


def test_institutions_filtered_by_district_and_care_mode(anonymous, city, institution, other):
    by_district = text_of(anonymous.get("/public/institutions/?district=510107"))
    assert "武侯居家照护服务中心" in by_district and "锦江康养护理院" not in by_district
    by_mode = text_of(anonymous.get("/public/institutions/?mode=institutional"))
    assert "锦江康养护理院" in by_mode and "武侯居家照护服务中心" not in by_mode
    unknown = anonymous.get("/public/institutions/?district=999999&mode=nonsense")
    assert unknown.status_code == 200 and "共 2 家" in text_of(unknown)  # ignored, not a 500


def test_publicity_shows_masked_names_only_within_the_window(anonymous, people, publicity):
    html = text_of(anonymous.get("/public/publicity/"))
    assert "张*国" in html and "锦江区" in html and "重度失能Ⅱ级" in html
    assert "李*英" not in html  # the period ended yesterday, though the case is still open
    assert "王*芬" not in html  # starts tomorrow
    assert publicity["now"].number not in html  # no case number either
    assert_nothing_personal(html, people.jinjiang, people.qingyang, people.wuhou)
    assert "publicity" not in re.sub(r"<[^>]+>", " ", html)


def test_publicity_empty(anonymous, city):
    assert "目前没有正在公示的评估结果" in text_of(anonymous.get("/public/publicity/"))


def test_the_fund_summary_is_the_ledger_by_year_and_names_nobody(anonymous, users):
    today = clock.today()
    last = months.key(months.shift(today, -1))
    earlier_year = f"{today.year - 1}-06"
    for period, fen in ((earlier_year, 50_000_000), (last, 12_345_600)):
        fund_services.contribution_record(
            actor=users.bureau_admin,
            period=period,
            source="individual",
            amount_fen=fen,
            payer_count=10,
        )
    html = text_of(anonymous.get("/public/fund/"))
    assert f"{today.year - 1}年" in html and "50.00" in html
    this_year = months.parse(last).year
    assert f"{this_year}年" in html and "个人缴费收入" in html
    if this_year == today.year:
        assert f"截至{months.parse(last).month}月底" in html
    assert_nothing_personal(html)
    assert "凭证" not in html


def test_articles_published_only_drawn_escaped_and_refreshed_on_edit(anonymous, users):
    shown = services.article_create(
        actor=users.bureau_admin,
        data=services.ArticleInput(
            kind="guide",
            title="怎样申请",
            body="## 材料\n- 身份证\n\n<script>alert(1)</script> **重要**",
            published=True,
        ),
    )
    services.article_create(
        actor=users.bureau_admin,
        data=services.ArticleInput(kind="guide", title="内部草稿", body="未定稿"),
    )
    listing = text_of(anonymous.get("/public/articles/guide/"))
    assert "怎样申请" in listing and "内部草稿" not in listing
    draft = Article.objects.get(title="内部草稿")
    assert anonymous.get(f"/public/article/{draft.pk}/").status_code == 404
    page = text_of(anonymous.get(f"/public/article/{shown.pk}/"))
    assert "<h2>材料</h2>" in page and "<li>身份证</li>" in page and "<strong>重要</strong>" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # cached: the second read comes from the cache; an edit drops it at once
    again = anonymous.get(f"/public/article/{shown.pk}/")
    assert again["X-Changhu-Cache"] == "hit" and "public" in again["Cache-Control"]
    services.article_update(
        actor=users.bureau_admin,
        article_id=shown.pk,
        data=services.ArticleInput(
            kind="guide", title="怎样申请待遇", body="新正文", published=True
        ),
        version=shown.version,
    )
    fresh = anonymous.get(f"/public/article/{shown.pk}/")
    assert fresh["X-Changhu-Cache"] == "miss" and "怎样申请待遇" in text_of(fresh)


def test_pages_from_other_apps_are_cached_for_a_while(anonymous, city, institution):
    first = anonymous.get("/public/institutions/")
    assert first["X-Changhu-Cache"] == "miss"
    Institution.objects.filter(pk=institution.pk).update(status="suspended")
    cached = anonymous.get("/public/institutions/")
    assert cached["X-Changhu-Cache"] == "hit" and "锦江康养护理院" in text_of(cached)
    caching.invalidate("institutions")
    assert "锦江康养护理院" not in text_of(anonymous.get("/public/institutions/"))


def test_the_consultation_form_is_never_cached(anonymous, city):
    response = anonymous.get("/public/consult/")
    assert response["Cache-Control"] == "no-store" and "X-Changhu-Cache" not in response


def test_templates_load_scripts_and_styles_from_files():
    assert_no_inline_script_or_style(TEMPLATES)


def test_a_signed_in_user_sees_the_same_public_page(client, users, city, institution):
    client.force_login(users.bureau_admin)
    html = text_of(client.get("/public/institutions/"))
    assert "锦江康养护理院" in html and "退出" not in html and "工作台" not in html


def test_the_pages_query_a_fixed_number_of_times(
    anonymous, city, institution, other, people, publicity, django_assert_max_num_queries
):
    for n in range(4):
        make_institution(
            OrganizationFactory(kind="care", name=f"新增护理院{n}", region=city.qingyang)
        )
    with django_assert_max_num_queries(8):
        assert "共 6 家" in text_of(anonymous.get("/public/institutions/"))
    with django_assert_max_num_queries(4):
        anonymous.get("/public/publicity/")
    with django_assert_max_num_queries(0):
        anonymous.get("/public/institutions/")  # from the cache
