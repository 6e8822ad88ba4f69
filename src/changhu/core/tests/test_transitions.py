"""Transitions: legal moves are logged, illegal ones and lost races are 409s."""

import pytest

from changhu.core import transitions
from changhu.core.errors import Conflict, PermissionDenied
from changhu.core.models import TransitionLog
from changhu.insured.models import Person

# The register's status field doubles as a small workflow for the test.
FLOW = transitions.Workflow(
    "test",
    {
        "suspend": transitions.Transition(
            frozenset({"active"}), "suspended", "insured.update", "暂停"
        ),
        "reinstate": transitions.Transition(
            frozenset({"suspended"}), "active", "insured.update", "恢复"
        ),
    },
    labels={"active": "正常参保", "suspended": "暂停参保"},
)


@pytest.mark.django_db
def test_legal_transition_is_logged(users, people):
    person = people.jinjiang
    log = transitions.apply(FLOW, person, "suspend", actor=users.worker_a, reason="停缴")
    assert person.status == "suspended"
    assert Person.objects.get(pk=person.pk).status == "suspended"
    assert (log.from_state, log.to_state, log.reason, log.actor) == (
        "active",
        "suspended",
        "停缴",
        users.worker_a,
    )
    assert list(transitions.timeline(person)) == [log]
    assert FLOW.allowed("suspended") == ["reinstate"]


@pytest.mark.django_db
def test_illegal_transition_is_a_conflict(users, people):
    with pytest.raises(Conflict) as info:
        transitions.apply(FLOW, people.jinjiang, "reinstate", actor=users.worker_a)
    assert info.value.code == "illegal_transition"
    assert "正常参保" in info.value.message
    assert TransitionLog.objects.count() == 0


@pytest.mark.django_db
def test_second_of_two_concurrent_actors_loses(users, people):
    mine = Person.objects.get(pk=people.jinjiang.pk)
    theirs = Person.objects.get(pk=people.jinjiang.pk)
    transitions.apply(FLOW, mine, "suspend", actor=users.worker_a)
    with pytest.raises(Conflict) as info:
        transitions.apply(FLOW, theirs, "suspend", actor=users.supervisor_a)
    assert info.value.code == "concurrent_change"
    assert TransitionLog.objects.count() == 1


@pytest.mark.django_db
def test_right_is_required(users, people):
    with pytest.raises(PermissionDenied):
        transitions.apply(FLOW, people.jinjiang, "suspend", actor=users.regulator)
