"""Every write operation of the API, read from the live OpenAPI document, called as its recipe
(``recipes.py``) says: it succeeds, the service checks one of the declared rights, and it
leaves an audit entry naming the actor, the object (the row in the path, or the row created)
and the change. An operation declared ``writes=False`` changes nothing at all.
"""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.test import Client

from changhu.api.tests import world as W
from changhu.api.tests.recipes import RECIPES, Call
from changhu.core import scope as core_scope
from changhu.core.models import AuditEntry
from changhu.orgs.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(write_world):
    """The demo city and the outsiders' city (``tests/fixtures.py``)."""
    return write_world


def _caller_for(recipe, call: Call, world):
    """Who makes the call and a function making it: with a bearer token, or (the one public
    operation, a password exchanged for a token) without signing in."""
    if recipe.actor is not None:
        caller = W.Caller(recipe.user(world))
        return caller.send, caller.user

    def sign_in(operation, call):
        response = Client(REMOTE_ADDR="10.9.8.7").post(
            W.API + operation.path, data=json.dumps(call.body), content_type="application/json"
        )
        response.body = response.json()
        return response

    return sign_in, User.objects.get(username=call.body["username"])


def _object_ids(call: Call, response) -> set[str]:
    ids = {str(v) for k, v in call.path.items() if k not in W.NOT_ROWS}
    body = response.body if isinstance(response.body, dict) else {}
    for key in ("id", "entitlement_id", "visit_id"):
        if isinstance(body.get(key), int):
            ids.add(str(body[key]))
    return ids


def test_every_write_succeeds_and_leaves_an_audit_entry(world, monkeypatch):
    checked_rights: list[str] = []
    can = core_scope.Scope.can

    def recording(self, right):
        checked_rights.append(right)
        return can(self, right)

    monkeypatch.setattr(core_scope.Scope, "can", recording)
    failures, audited = [], 0
    for operation in W.operations():
        recipe = RECIPES.get(operation.key)
        if recipe is None:
            failures.append(f"{operation.key}: no recipe in recipes.py")
            continue
        with transaction.atomic():
            call = recipe.setup(world)
            send, actor = _caller_for(recipe, call, world)
            before = W.Footprint.take()
            checked_rights.clear()
            response = send(operation, call)
            after = W.Footprint.take()
            entries = list(AuditEntry.objects.filter(pk__gt=before.last_audit).order_by("pk"))
            transaction.set_rollback(True)
        if response.status_code >= 300:
            failures.append(f"{operation.key}: {response.status_code} {response.body}")
            continue
        if operation.rights and not set(operation.rights) & set(checked_rights):
            failures.append(f"{operation.key}: the service checked none of {operation.rights}")
        if not operation.writes:
            if before.differences(after):
                failures.append(f"{operation.key} stores nothing: {before.differences(after)}")
            continue
        ids = _object_ids(call, response)
        mine = [e for e in entries if e.actor_id == actor.pk and e.actor_name]
        named = [e for e in mine if e.object_type and e.object_id and (e.changes or e.note)]
        if not named:
            failures.append(f"{operation.key}: no audit entry naming actor, object and change")
        elif ids and not any(e.object_id in ids for e in named):
            objects = [(e.object_type, e.object_id) for e in named]
            failures.append(f"{operation.key}: the audit names {objects}, not one of {ids}")
        else:
            audited += 1
    assert not failures, "\n".join(failures)
    assert audited >= 90, audited
