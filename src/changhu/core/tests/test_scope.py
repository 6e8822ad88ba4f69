"""Every role sees exactly its scope in the register; outsiders get 404, not the row."""

import pytest

from changhu.core.errors import NotFound, PermissionDenied
from changhu.core.scope import forget, get_scoped, require, scope_of, scoped
from changhu.insured.models import ApplicantLink, Person


def visible(user):
    return set(scoped(Person.objects.all(), user).values_list("name", flat=True))


@pytest.mark.django_db
def test_region_scopes_per_role(users, people):
    everyone = {"张建国", "李秀英", "王淑芬"}
    assert visible(users.bureau_admin) == everyone
    assert visible(users.regulator) == everyone
    assert visible(users.worker_a) == {"张建国", "李秀英"}
    assert visible(users.worker_b) == {"王淑芬"}
    assert visible(users.outlet_worker) == {"张建国"}
    for outsider in (
        users.assessor,
        users.expert,
        users.care_admin,
        users.caregiver,
        users.applicant,
    ):
        assert visible(outsider) == set()


@pytest.mark.django_db
def test_user_region_scope_narrows_organization(users, people, city):
    users.worker_a.region_scope = city.qingyang
    users.worker_a.save()
    forget(users.worker_a)
    assert visible(users.worker_a) == {"李秀英"}
    # A user scope outside the organization's coverage gives nothing, not the other district.
    users.worker_b.region_scope = city.jinjiang
    users.worker_b.save()
    forget(users.worker_b)
    assert visible(users.worker_b) == set()


@pytest.mark.django_db
def test_applicant_sees_only_represented_person(users, people):
    ApplicantLink.objects.create(user=users.applicant, person=people.wuhou, relationship="child")
    assert visible(users.applicant) == {"王淑芬"}


@pytest.mark.django_db
def test_outsider_gets_not_found(users, people):
    with pytest.raises(NotFound):
        get_scoped(Person.objects.all(), users.worker_b, pk=people.jinjiang.pk)
    assert get_scoped(Person.objects.all(), users.worker_a, pk=people.jinjiang.pk)


@pytest.mark.django_db
def test_suspended_organization_sees_nothing(users, people, orgs):
    orgs.insurer_a.status = "suspended"
    orgs.insurer_a.save()
    assert visible(users.worker_a) == set()


@pytest.mark.django_db
def test_rights_are_checked(users):
    with pytest.raises(PermissionDenied):
        require(users.regulator, "insured.create")
    assert require(users.worker_a, "insured.create")
    assert not any(r.startswith("insured.") for r in scope_of(users.assessor).rights)
