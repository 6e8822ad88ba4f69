"""The city expert pool and the draw of confirming experts: seeded and reproducible, recusal by
institution, declared relationship and last assessment, balanced workload, only drawn experts
confirm, and nothing of it for outsiders."""

from __future__ import annotations

import pytest

from changhu.assessment import expert_draw, expert_selectors, selectors, services
from changhu.assessment.models import Application, ExpertDraw, PoolExpert, Status
from changhu.assessment.tests.flow import advance, submit
from changhu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from changhu.orgs.models import OrgKind
from changhu.orgs.roles import Role
from tests.factories import OrganizationFactory, UserFactory, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(users, orgs, city, team):
    """Experts of four institutions in the city's pool: the first assessment centre (the one
    the cases go to), the second, and two hospitals with one expert each."""
    hospital = OrganizationFactory(
        kind=OrgKind.ASSESSMENT, name="成都市第三人民医院专家组", region=city.qingyang
    )
    hospital2 = OrganizationFactory(
        kind=OrgKind.ASSESSMENT, name="四川省人民医院专家组", region=city.wuhou
    )
    doctor = UserFactory(username="doctor", role=Role.ASSESSMENT_EXPERT, organization=hospital)
    doctor2 = UserFactory(username="doctor2", role=Role.ASSESSMENT_EXPERT, organization=hospital2)
    entries = {}
    for user in (team.expert, team.expert2, team.expert3, team.expert4, doctor, doctor2):
        entries[user.username] = services.expert_add(
            actor=users.bureau_admin,
            data=services.ExpertInput(user_id=user.pk, profession="physician"),
        )
    return entries


def assessed(users, people, team, person=None):
    """A case of the Jinjiang person assessed by the first institution (assessor + expert)."""
    case = submit(users.worker_a, person or people.jinjiang)
    return advance(
        case,
        Status.ASSESSED,
        worker=users.worker_a,
        assessors=[team.assessor, team.expert],
        institution=team.first,
    )


def drawn_names(draw: ExpertDraw) -> list[str]:
    return [p.user.username for p in draw.picks.all()]


def test_the_draw_is_pure_reproducible_and_balanced():
    candidates = [expert_draw.Candidate(i, load) for i, load in [(1, 2), (2, 0), (3, 0), (4, 1)]]
    first = expert_draw.draw("abc", candidates, 2)
    assert first == expert_draw.draw("abc", list(reversed(candidates)), 2)
    assert set(first) == {2, 3}  # the two without a draw this month come first
    assert expert_draw.draw("abc", candidates, 3)[2] == 4
    # Among equals the seed decides, and different seeds do reorder them.
    equal = [expert_draw.Candidate(i, 0) for i in range(1, 9)]
    orders = {tuple(expert_draw.draw(str(seed), equal, 8)) for seed in range(20)}
    assert len(orders) > 1


def test_a_draw_records_seed_eligible_excluded_and_drawn(users, people, team, pool):
    case = assessed(users, people, team)
    draw = services.expert_draw_make(actor=users.bureau_admin, application_id=case.pk, seed="s1")
    assert draw.seed == "s1" and draw.wanted == 2 and draw.active
    excluded = {row["name"]: row["reasons"] for row in draw.excluded}
    # Same institution as the assessing one; on the on-site team.
    assert any("同一单位" in r for r in excluded[team.expert2.display_name])
    assert "参加了本案现场评估" in excluded[team.expert.display_name]
    eligible = {row["user_id"] for row in draw.eligible}
    assert eligible == {pool[n].user_id for n in ("expert3", "expert4", "doctor", "doctor2")}
    assert len(draw.picks.all()) == 2 and expert_selectors.draw_verified(draw)
    # Same seed, same pool snapshot: the same experts.
    again = expert_draw.draw(
        "s1", [expert_draw.Candidate(e["expert_id"], e["load"]) for e in draw.eligible], 2
    )
    assert again == [p.expert_id for p in draw.picks.all()]
    assert case.events.filter(kind="expert_draw").exists()


def test_same_seed_same_pool_same_draw_on_two_cases(users, people, team, pool, city):
    first = assessed(users, people, team)
    neighbour = make_person(city.streets["510104002000"], name="赵桂芳")
    second = assessed(users, people, team, person=neighbour)
    a = services.expert_draw_make(actor=users.bureau_admin, application_id=first.pk, seed="x")
    # The second case sees the first draw's load: make the loads equal again by re-drawing
    # with the same seed on a snapshot without loads.
    candidates = [expert_draw.Candidate(e["expert_id"], 0) for e in a.eligible]
    assert expert_draw.draw("x", candidates, 2) == [p.expert_id for p in a.picks.all()]
    b = services.expert_draw_make(actor=users.bureau_admin, application_id=second.pk, seed="x")
    # Workload balance: the two drawn for the first case were not drawn again.
    assert not set(drawn_names(a)) & set(drawn_names(b))
    assert {e["load"] for e in b.eligible if e["name"] in drawn_names(a)} <= {1}


def test_a_declared_relationship_recuses(users, people, team, pool):
    services.conflict_declare(
        actor=users.bureau_admin,
        expert_id=pool["doctor"].pk,
        kind="relative",
        person_id=people.jinjiang.pk,
        note="被评估人的外甥",
    )
    case = assessed(users, people, team)
    draw = services.expert_draw_make(actor=users.bureau_admin, application_id=case.pk)
    reasons = {row["user_id"]: row["reasons"] for row in draw.excluded}[pool["doctor"].user_id]
    assert reasons == ["申报与参保人有亲属关系（被评估人的外甥）"]
    assert "doctor" not in drawn_names(draw)


def test_an_expert_working_at_the_care_institution_recuses(users, people, team, pool, orgs):
    services.conflict_declare(
        actor=team.expert3,  # experts declare their own
        expert_id=pool["expert3"].pk,
        kind="institution",
        organization_id=orgs.care.pk,
    )
    case = submit(users.worker_a, people.jinjiang)
    case = advance(case, Status.ACCEPTED, worker=users.worker_a)
    services.application_dispatch(
        actor=users.worker_a,
        application_id=case.pk,
        institution_id=team.first.pk,
        declared_care_institution_ids=[orgs.care.pk],
    )
    case = advance(
        case, Status.ASSESSED, worker=users.worker_a, assessors=[team.assessor, team.expert]
    )
    options = {o.expert.user.username: o for o in expert_selectors.draw_options(case)}
    assert options["expert3"].reasons == [
        f"申报在{orgs.care.name}任职，该机构为被评估人提供护理服务"
    ]
    # The pool entry's own institution caring for the person recuses as well.
    pool["doctor2"].institution = orgs.care
    pool["doctor2"].save()
    options = {o.expert.user.username: o for o in expert_selectors.draw_options(case)}
    assert "为被评估人提供护理服务" in options["doctor2"].reasons[0]


def test_having_assessed_the_person_last_time_recuses(users, people, team, pool, fast_pdf):
    case = submit(users.worker_a, people.jinjiang)
    case = advance(
        case,
        Status.ASSESSED,
        worker=users.worker_a,
        assessors=[team.assessor3, team.expert3],
        institution=team.second,
    )
    draw = services.expert_draw_make(actor=users.bureau_admin, application_id=case.pk, seed="a")
    confirmers = [p.user for p in draw.picks.all()]
    case = advance(case, Status.CONCLUDED, worker=users.worker_a, experts=confirmers)
    appeal = services.appeal_request(
        actor=users.worker_a, conclusion_id=case.conclusion.pk, reason="家属认为等级偏低"
    )
    appeal = advance(
        appeal,
        Status.ASSESSED,
        worker=users.worker_a,
        assessors=[team.assessor, team.expert],
        institution=team.first,
    )
    options = {o.expert.user_id: o for o in expert_selectors.draw_options(appeal)}
    assert any("现场评估" in r for r in options[team.expert3.pk].reasons)
    for user in confirmers:
        assert any("确认了被评估人上一次评估" in r for r in options[user.pk].reasons) or any(
            "上一次评估" in r for r in options[user.pk].reasons
        )


def test_only_drawn_experts_confirm(users, people, team, pool):
    case = assessed(users, people, team)
    # A pool exists: the institution's expert may not confirm before the draw.
    with pytest.raises(Conflict) as exc:
        services.assessment_confirm(actor=team.expert2, application_id=case.pk, decision="confirm")
    assert exc.value.code == "draw_required"
    draw = services.expert_draw_make(actor=users.bureau_admin, application_id=case.pk)
    drawn = [p.user for p in draw.picks.all()]
    with pytest.raises(PermissionDenied) as exc:
        services.assessment_confirm(actor=team.expert2, application_id=case.pk, decision="confirm")
    assert exc.value.code == "not_drawn_expert"
    for user in drawn:  # experts of other institutions see and confirm the case
        services.assessment_confirm(actor=user, application_id=case.pk, decision="confirm")
    assert Application.objects.get(pk=case.pk).status == Status.CONFIRMED


def test_a_redraw_needs_a_reason_keeps_who_confirmed_and_is_recorded(users, people, team, pool):
    case = assessed(users, people, team)
    first = services.expert_draw_make(actor=users.bureau_admin, application_id=case.pk)
    confirmed, away = [p.user for p in first.picks.all()]
    services.assessment_confirm(actor=confirmed, application_id=case.pk, decision="confirm")
    with pytest.raises(ValidationFailed) as exc:
        services.expert_draw_make(actor=users.bureau_admin, application_id=case.pk)
    assert exc.value.code == "reason_required"
    second = services.expert_draw_make(
        actor=users.bureau_admin, application_id=case.pk, reason="专家出差，无法确认"
    )
    first.refresh_from_db()
    assert not first.active and second.active and second.number == 2
    picks = list(second.picks.all())
    assert picks[0].user == confirmed and picks[0].kept
    assert away not in [p.user for p in picks] and second.wanted == 1
    replaced = {row["user_id"]: row["reasons"] for row in second.excluded}[away.pk]
    assert "前次抽中，已因重新抽取被替换" in replaced
    assert expert_selectors.draw_verified(second)
    # Replaced, they no longer see the case (another institution's): 404, as for any outsider.
    with pytest.raises((PermissionDenied, NotFound)):
        services.assessment_confirm(actor=away, application_id=case.pk, decision="confirm")


def test_not_enough_experts_changes_nothing(users, people, team, pool):
    for name in ("expert3", "expert4", "doctor"):
        services.expert_deactivate(
            actor=users.bureau_admin, expert_id=pool[name].pk, reason="退出专家库"
        )
    case = assessed(users, people, team)
    with pytest.raises(Conflict) as exc:
        services.expert_draw_make(actor=users.bureau_admin, application_id=case.pk)
    assert exc.value.code == "not_enough_experts"
    assert not ExpertDraw.objects.exists()


def test_the_draw_is_refused_outside_the_confirmation_stage(users, people, team, pool):
    case = submit(users.worker_a, people.jinjiang)
    with pytest.raises(Conflict) as exc:
        services.expert_draw_make(actor=users.bureau_admin, application_id=case.pk)
    assert exc.value.code == "draw_not_open"


def test_pool_management_rules(users, team, pool):
    with pytest.raises(ValidationFailed) as exc:
        services.expert_add(
            actor=users.bureau_admin,
            data=services.ExpertInput(user_id=users.assessor.pk, profession="nurse"),
        )
    assert exc.value.code == "expert_role_required"
    with pytest.raises(Conflict) as exc:
        services.expert_add(
            actor=users.bureau_admin,
            data=services.ExpertInput(user_id=team.expert.pk, profession="nurse"),
        )
    assert exc.value.code == "expert_in_pool"
    with pytest.raises(PermissionDenied):
        services.expert_add(
            actor=users.worker_a,
            data=services.ExpertInput(user_id=team.expert.pk, profession="nurse"),
        )
    entry = services.expert_deactivate(
        actor=users.bureau_admin, expert_id=pool["expert"].pk, reason="调离"
    )
    assert not entry.active
    with pytest.raises(Conflict) as exc:
        services.expert_deactivate(actor=users.bureau_admin, expert_id=entry.pk, reason="again")
    assert exc.value.code == "expert_inactive"
    # An expert declares only their own relationships.
    with pytest.raises((PermissionDenied, NotFound)):
        services.conflict_declare(
            actor=team.expert3,
            expert_id=pool["expert4"].pk,
            kind="institution",
            organization_id=team.first.pk,
        )


def test_outsiders_get_nothing(users, people, team, pool, orgs):
    case = assessed(users, people, team)
    draw = services.expert_draw_make(actor=users.bureau_admin, application_id=case.pk)
    assert expert_selectors.pool_list(fetched_by=users.bureau_admin).count() == 6
    assert expert_selectors.pool_list(fetched_by=users.regulator).count() == 6
    for outsider in (users.care_admin, users.applicant, users.assessor):
        assert expert_selectors.pool_list(fetched_by=outsider).count() == 0
    # An expert sees their own entry only.
    assert [e.user for e in expert_selectors.pool_list(fetched_by=team.expert3)] == [team.expert3]
    # The Wuhou insurer's worker does not see the Jinjiang case, so cannot draw on it.
    with pytest.raises(NotFound):
        services.expert_draw_make(actor=users.worker_b, application_id=case.pk)
    with pytest.raises(PermissionDenied):
        services.expert_draw_make(actor=users.care_admin, application_id=case.pk)
    with pytest.raises(NotFound):
        expert_selectors.draw_get(fetched_by=users.worker_b, draw_id=draw.pk)
    # An expert of another institution not drawn does not see the case.
    undrawn = {"expert3", "expert4", "doctor", "doctor2"} - set(drawn_names(draw))
    for username in undrawn:
        user = PoolExpert.objects.get(user__username=username, active=True).user
        with pytest.raises(NotFound):
            selectors.application_get(fetched_by=user, application_id=case.pk)


def test_the_expert_queue_lists_the_cases_drawn_for_them(users, people, team, pool):
    case = assessed(users, people, team)
    assert selectors.queue_counts(fetched_by=users.bureau_admin).get("draw") == 1
    draw = services.expert_draw_make(actor=users.bureau_admin, application_id=case.pk)
    assert selectors.queue_counts(fetched_by=users.bureau_admin).get("draw") == 0
    drawn = [p.user for p in draw.picks.all()]
    filters = selectors.ApplicationFilters(queue="my_confirmations")
    for user in drawn:
        assert list(selectors.application_list(fetched_by=user, filters=filters)) == [case]
    assert list(selectors.application_list(fetched_by=team.expert2, filters=filters)) == []
    services.assessment_confirm(actor=drawn[0], application_id=case.pk, decision="confirm")
    assert selectors.queue_counts(fetched_by=drawn[0])["my_confirmations"] == 0
    assert selectors.queue_counts(fetched_by=drawn[1])["my_confirmations"] == 1
