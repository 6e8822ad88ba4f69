"""The API's front door: bad text, bodies and content types are refused with the error shape,
before any endpoint runs, and nothing is written.

The corpus is generated from the OpenAPI document: every write operation with a JSON body,
every text property of its request schema, each bad value. The guard runs before the endpoint
resolves its ids, so placeholder ids are enough; what is proved is that no write operation
lets these through, whoever calls it.
"""

from __future__ import annotations

import json
import re

import pytest
from django.apps import apps
from django.test import Client

from changhu.api.main import api
from changhu.core import text
from tests.api import ApiClient

BAD_TEXT = {
    "nul": "张\x00三",
    "bell": "张\x07三",
    "escape": "\x1b[31m张三",
    "c1": "张\x85三",
    "rlo": "张\u202e三",
    "isolate": "\u2066张三\u2069",
    "bom": "\ufeff张三",
}
LINE_BREAKS = {"lf": "张\n三", "crlf": "张\r\n三", "cr": "张\r三"}


def _operations():
    doc = api.get_openapi_schema()
    schemas = doc["components"]["schemas"]
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            if method == "get":
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if not body:
                continue
            ref = body["schema"].get("$ref", "")
            props = schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
            for name, prop in props.items():
                types = {prop.get("type")} | {t.get("type") for t in prop.get("anyOf", [])}
                if "string" in types and "format" not in prop and "enum" not in prop:
                    yield method, re.sub(r"\{[^}]+\}", "1", path), name


OPERATIONS = sorted(set(_operations()))


def _row_counts():
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.managed}


def assert_refused(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])


def test_the_corpus_covers_the_write_operations():
    # Every text field of every JSON write operation, times the bad values: well over 300.
    assert len({(m, p) for m, p, _ in OPERATIONS}) > 60
    cases = len(OPERATIONS) * len(BAD_TEXT)
    assert cases > 300, cases


@pytest.mark.django_db
def test_bad_text_in_any_write_body_is_refused_and_nothing_changes(users):
    client = ApiClient(users.bureau_admin)
    before = _row_counts()
    refused = 0
    for method, path, field in OPERATIONS:
        for label, value in BAD_TEXT.items():
            response = getattr(client.client, method)(
                path,
                data=json.dumps({field: value}),
                content_type="application/json",
                headers=client.headers,
            )
            assert response.status_code == 422, (method, path, field, label, response.content)
            assert response.json()["code"] == "text_invalid"
            assert field in response.json()["fields"]
            refused += 1
    assert refused > 300
    assert _row_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(BAD_TEXT))
def test_bad_text_in_a_query_string_is_refused(users, label):
    response = ApiClient(users.worker_a).get("insured/persons", district=BAD_TEXT[label])
    assert_refused(response, 422, "text_invalid")
    assert "district" in response.body["fields"]


@pytest.mark.django_db
def test_a_nul_in_the_token_request_is_refused_before_sign_in():
    response = Client().post(
        "/api/v1/auth/token",
        data=json.dumps({"username": "a\x00b", "password": "x"}),
        content_type="application/json",
    )
    assert_refused(response, 422, "text_invalid")


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(LINE_BREAKS))
def test_names_take_no_line_breaks_but_notes_do(users, city, label):
    client = ApiClient(users.worker_a)
    before = _row_counts()
    response = client.post("insured/persons", {"name": LINE_BREAKS[label]})
    assert_refused(response, 422, "text_invalid")
    assert response.body["fields"] == {"name": "不能换行"}
    assert _row_counts() == before
    # In a note a line break is text like any other: the request reaches the endpoint.
    response = client.post(
        "insured/persons/999999/life-events",
        {"kind": "hospital_stay", "start_date": "2026-11-01", "note": "住院\n第二行"},
    )
    assert response.status_code == 404


def test_the_text_rule_itself():
    assert text.problem("锦江区督院街18号") == ""
    assert text.problem("第一行\n第二行", multiline=True) == ""
    assert text.problem("a\tb", multiline=True) == ""
    assert text.problem("a\tb") == "不能包含控制字符"
    assert text.problem("a\nb") == "不能换行"
    assert text.problem("=cmd|' /C calc'!A0") == ""  # harmless here; neutralised in exports
    assert text.is_multiline_key("handling_note")
    assert text.is_multiline_key("reason")
    assert not text.is_multiline_key("name")
    assert not text.is_multiline_key("person_name")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/xml", "application/octet-stream", "text/json"],
)
def test_a_body_that_is_not_json_gets_415(users, content_type):
    client = ApiClient(users.worker_a)
    before = _row_counts()
    response = client.client.post(
        "/api/v1/insured/persons",
        data=json.dumps({"name": "赵桂兰"}),
        content_type=content_type,
        headers=client.headers,
    )
    assert_refused(response, 415, "unsupported_media_type")
    assert _row_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "a",',
        b"{'name': 'a'}",
        b"\xff\xfe{}",
        b"[1, 2",
        b"NaN-",
    ],
)
def test_a_malformed_json_body_gets_400(users, raw):
    client = ApiClient(users.worker_a)
    response = client.client.post(
        "/api/v1/insured/persons", data=raw, content_type="application/json", headers=client.headers
    )
    assert_refused(response, 400, "json_invalid")


@pytest.mark.django_db
def test_a_key_named_twice_is_refused_not_merged(users):
    client = ApiClient(users.bureau_admin)
    before = _row_counts()
    response = client.client.post(
        "/api/v1/fund/fees",
        data=b'{"period": "2026-11", "amount_fen": 100, "amount_fen": 100000000}',
        content_type="application/json",
        headers=client.headers,
    )
    assert_refused(response, 400, "json_duplicate_key")
    assert response.json()["fields"] == {"amount_fen": "字段重复"}
    assert _row_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/visits/photos",
        "/api/v1/imports",
        "/api/v1/providers/imports/institutions",
    ],
)
def test_a_multipart_body_without_its_boundary_gets_400(users, path):
    client = ApiClient(users.worker_a)
    response = client.client.post(
        path,
        data=b'--x\r\nContent-Disposition: form-data; name="kind"\r\n\r\npersons\r\n--x--',
        content_type="multipart/form-data",
        headers=client.headers,
    )
    assert_refused(response, 400, "multipart_invalid")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "method,path,status,code",
    [
        ("get", "/api/v1/no-such-thing", 404, "not_found"),
        ("get", "/api/v1/insured/persons/abc/extra", 404, "not_found"),
        ("post", "/api/v1/", 404, "not_found"),
        ("delete", "/api/v1/insured/persons", 405, "method_not_allowed"),
        ("put", "/api/v1/auth/token", 405, "method_not_allowed"),
    ],
)
def test_unknown_paths_and_methods_answer_in_json(users, settings, method, path, status, code):
    client = ApiClient(users.worker_a)
    for debug in (False, True):
        settings.DEBUG = debug
        response = getattr(client.client, method)(path, headers=client.headers)
        assert_refused(response, status, code)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "settlement/tariffs?institution_id=-71695062434270945280",
        "care/assignments?person_id=99999999999999999999999",
        "insured/persons/99999999999999999999999",
    ],
)
def test_a_number_too_large_for_the_database_gets_422_or_404(users, path):
    response = ApiClient(users.bureau_admin).get(path)
    assert response.status_code in (404, 422), response.content
    assert response.body["code"] in ("not_found", "value_out_of_range")
