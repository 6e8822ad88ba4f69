"""Every response and request schema of the API has a name of its own: two apps' ``RunOut``
would be one component in the OpenAPI document, and one of the two endpoints documented with
the other's fields."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

from changhu.api.main import api


def _schema_classes() -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    stack = list(Schema.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("changhu."):
            found[cls.__name__].add(cls.__module__)
    return found


def test_schema_names_are_unique_across_the_product():
    api.get_openapi_schema()  # every router (and so every schema module) is loaded
    shared = {name: sorted(mods) for name, mods in _schema_classes().items() if len(mods) > 1}
    assert not shared, shared


def test_each_endpoint_documents_its_own_run():
    paths = api.get_openapi_schema()["paths"]

    def ref(path, method, status):
        body = paths[f"/api/v1/{path}"][method]["responses"][status]["content"]
        return body["application/json"]["schema"]["$ref"]

    assert ref("visits/screening-runs/{run_id}", "get", 200).endswith("/ScreeningRunOut")
    assert ref("settlement/runs/{run_id}", "get", 200).endswith("/SettlementRunOut")
