"""Every write operation of the API, read from the live OpenAPI document, held to its rights.

For each operation that is not a GET:
- it declares who may call it (``changhu.api.rights``), and the document says so;
- every role of the ``users`` fixture without the declared right gets 403, whatever the row
  and the body, and nothing in the database changes;
- an outsider (a user of the same role in another city) asking about a row of the demo city
  gets 404, and nothing changes;
- the service behind the endpoint refuses by itself (403) when the declared right is taken
  away and the API's own check is switched off: the declaration is the service's right;
(That each succeeds as its recipe says and leaves an audit entry: ``test_write_audit.py``.)

A new endpoint is picked up from the document; it needs a declaration (the API refuses to
start without one) and a recipe in ``recipes.py`` (the tests fail without one).
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from django.db import transaction

from changhu.api import rights as api_rights
from changhu.api.tests import world as W
from changhu.api.tests.recipes import RECIPES, Call
from changhu.core import scope as core_scope
from changhu.orgs.roles import READ_ONLY_RIGHTS, RIGHTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(write_world):
    """The demo city and the outsiders' city (``tests/fixtures.py``)."""
    return write_world


NOT_ROWS = W.NOT_ROWS


def _writes() -> list[W.Operation]:
    return W.operations()


def _guarded() -> list[W.Operation]:
    return [op for op in _writes() if op.rights]


def _prepared(world, operation: W.Operation) -> Call:
    recipe = RECIPES.get(operation.key)
    assert recipe is not None, f"no recipe for {operation.key} in recipes.py"
    return recipe.setup(world)


def _refused(response, status: int) -> str | None:
    if response.status_code != status:
        return f"answered {response.status_code} {response.body}"
    return None


# --- declarations ----------------------------------------------------------------------------


def test_every_write_declares_who_may_call_it():
    doc = W.schema()
    undeclared, unprotected, read_only, undocumented = [], [], [], []
    for operation in _writes():
        op = doc["paths"][W.API + operation.path][operation.method.lower()]
        if operation.rights is None and not operation.public:
            undeclared.append(operation.key)
        if operation.public and op.get("security"):
            unprotected.append(operation.key)
        if operation.rights and operation.writes and set(operation.rights) <= READ_ONLY_RIGHTS:
            read_only.append(operation.key)
        if operation.rights and ("403" not in {str(c) for c in op["responses"]}):
            undocumented.append(operation.key)
        if operation.rights and "**权限**" not in op.get("description", ""):
            undocumented.append(operation.key)
    assert not undeclared, f"writes without a declared right: {undeclared}"
    assert not unprotected, f"public operations that still ask for a sign-in: {unprotected}"
    assert not read_only, f"writes allowed by a read-only right: {read_only}"
    assert not undocumented, f"rights missing from the OpenAPI document: {undocumented}"
    assert [op.key for op in _writes() if op.public] == ["POST /auth/token"]
    assert len(_guarded()) >= 90


def test_an_undeclared_write_stops_the_api_from_starting():
    from types import SimpleNamespace

    from ninja.errors import ConfigError

    def anything(request):
        """一个没有声明权限的写操作。"""

    with pytest.raises(ConfigError, match="declare who may call it"):
        api_rights.guard(SimpleNamespace(view_func=anything, methods=["POST"], auth_callbacks=[]))
    api_rights.guard(SimpleNamespace(view_func=anything, methods=["GET"], auth_callbacks=[]))


def test_the_right_is_checked_before_the_body_is_read(world):
    """A body that would fail validation still gets 403 from a user without the right."""
    regulator = W.Caller(world.users["bureau_regulator"])
    screening = next(op for op in _writes() if op.key == "POST /visits/screening-runs")
    refused = regulator.call(screening, {}, {"period": ["not", "a", "month"]})
    assert refused.status_code == 403 and refused.body["code"] == "permission_denied"
    caseworker = W.Caller(world.users["insurer_case_worker"])
    assert caseworker.call(screening, {}, {"period": ["x"]}).status_code == 422


# --- roles without the right -----------------------------------------------------------------


def test_a_role_without_the_right_gets_403_and_nothing_is_written(world, users):
    people = {name: W.Caller(u) for name, u in vars(users).items()}
    failures, checked = [], 0
    for operation in _guarded():
        with transaction.atomic():
            call = _prepared(world, operation)
            for name, caller in people.items():
                if set(operation.rights) & RIGHTS[caller.user.role]:
                    continue
                with transaction.atomic():
                    before = W.Footprint.take()
                    response = caller.send(operation, call)
                    after = W.Footprint.take()
                    transaction.set_rollback(True)
                checked += 1
                problem = _refused(response, 403)
                if problem is None and response.body.get("code") != "permission_denied":
                    problem = f"refused with {response.body}"
                written = before.differences(after)
                if problem or written:
                    failures.append(f"{operation.key} as {name}: {problem or ''} {written or ''}")
            transaction.set_rollback(True)
    assert not failures, "\n".join(failures)
    assert checked >= 500, checked


# --- outsiders -------------------------------------------------------------------------------


def _row_params(operation: W.Operation) -> set[str]:
    return set(operation.path_params) - NOT_ROWS


def _row_fields(call: Call) -> list[str]:
    body = call.body if isinstance(call.body, dict) else {}
    return [key for key in body if re.search(r"_ids?$", key)]


def _nowhere(call: Call) -> Call:
    """The same call naming rows that do not exist."""
    body = dict(call.body)
    for key in _row_fields(call):
        body[key] = [10**8] if isinstance(body[key], list) else 10**8
    return dataclasses.replace(call, body=body)


def test_an_outsider_cannot_tell_a_row_of_another_city_from_none(world):
    """The outsider holds the right (the recipe's role, in the other city). A row of the demo
    city named in the path is 404; named in the body, the answer is the one for a row that
    does not exist (404, or the operation's own "not yours" refusal). Nothing is written."""
    failures, by_path, by_body, skipped = [], 0, 0, []
    for operation in _guarded():
        recipe = RECIPES[operation.key]
        with transaction.atomic():
            call = _prepared(world, operation)
            role = recipe.user(world).role
            outsider = W.Caller(world.outsiders.users[role])
            if not _row_params(operation) and not _row_fields(call):
                skipped.append(operation.key)
                transaction.set_rollback(True)
                continue
            before = W.Footprint.take()
            response = outsider.send(operation, call)
            after = W.Footprint.take()
            expected, code = 404, None
            if not _row_params(operation):
                with transaction.atomic():
                    unknown = outsider.send(operation, _nowhere(call))
                    transaction.set_rollback(True)
                expected, code = unknown.status_code, (unknown.body or {}).get("code")
            transaction.set_rollback(True)
        if _row_params(operation):
            by_path += 1
        else:
            by_body += 1
        problem = _refused(response, expected)
        if problem is None and code is not None and response.body.get("code") != code:
            problem = f"answered {response.body}, for no row {code}"
        if not 400 <= response.status_code < 500:
            problem = f"answered {response.status_code} {response.body}"
        written = before.differences(after)
        if problem or written:
            failures.append(f"{operation.key} as an outsider {role}: {problem or ''} {written}")
    assert not failures, "\n".join(failures)
    assert by_path >= 65 and by_body >= 12, (by_path, by_body, skipped)


# --- the declaration is the service's own right ----------------------------------------------


def test_the_service_refuses_by_itself_without_the_declared_right(world, monkeypatch):
    """With the API's check switched off and the declared rights taken from the caller, the
    service answers 403 on its own: what the endpoint declares is what the service checks."""
    monkeypatch.setattr(api_rights.Access, "admits", lambda self, user: True)
    resolve = core_scope._resolver
    failures = []
    for operation in _guarded():
        recipe = RECIPES[operation.key]
        with transaction.atomic():
            call = _prepared(world, operation)
            actor = recipe.user(world)
            caller = W.Caller(actor)

            def narrowed(user, rights=frozenset(operation.rights), actor_pk=actor.pk):
                scope = resolve(user)
                if user.pk != actor_pk:
                    return scope
                return dataclasses.replace(scope, rights=scope.rights - rights)

            monkeypatch.setattr(core_scope, "_resolver", narrowed)
            before = W.Footprint.take()
            response = caller.send(operation, call)
            after = W.Footprint.take()
            monkeypatch.setattr(core_scope, "_resolver", resolve)
            transaction.set_rollback(True)
        problem = _refused(response, 403)
        written = before.differences(after)
        if problem or written:
            failures.append(f"{operation.key} as {actor.username}: {problem or ''} {written}")
    assert not failures, "\n".join(failures)
