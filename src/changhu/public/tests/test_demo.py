"""The public site's demo content: seeded once, as the bureau, audited."""

from __future__ import annotations

import pytest

from changhu.core.models import AuditEntry
from changhu.orgs.roles import Role
from changhu.public import demo
from changhu.public.models import Article, Consultation
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_articles_and_consultations_once(orgs, institution):
    assert demo.seed_public_demo() == "public demo: skipped (no bureau login)"
    UserFactory(username="bureau", role=Role.BUREAU_ADMIN, organization=orgs.bureau)
    assert demo.seed_public_demo() == "public demo: 5 articles, 2 consultations"
    assert demo.seed_public_demo() == "public demo: 0 articles, 0 consultations"
    assert Article.objects.filter(published=True).count() == 5
    assert set(Article.objects.values_list("kind", flat=True)) == {"guide", "policy"}
    assert sorted(Consultation.objects.values_list("status", flat=True)) == [
        "received",
        "replied",
    ]
    assert AuditEntry.objects.filter(object_type="public.article", action="create").count() == 5
