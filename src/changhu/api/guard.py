"""The API's front door: every request under /api/ is checked before any endpoint sees it,
and every refusal there has the API's error shape.

Checked here, for every operation alike:
- the content type of a body: JSON, a form or a multipart upload, else 415;
- a JSON body that does not parse, or that names a key twice ("duplicate keys are silently
  merged" is how a second "amount" slips past a review), 400;
- a multipart body without its boundary, 400;
- every text in the body, the query string and form fields, by ``core.text`` (NUL, control
  and bidi characters, BOM; line breaks in one-line fields), 422;
- a row id in the query string (``id`` or ``…_id``) beyond a 64-bit integer, 422 (a database
  either refuses it or, since Django 5, quietly matches nothing: the answer must not depend on
  which database is behind).

And on the way out: a 404 or 405 that Django or ninja produced as HTML or as an empty body
(an unknown path, a method the path does not take) becomes the JSON error shape.
"""

from __future__ import annotations

import json

from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError

from changhu.core import text
from changhu.core.errors import DomainError, UnsupportedMediaType

API_PREFIX = "/api/"
JSON_TYPES = ("application/json",)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

_FALLBACK = {
    404: ("not_found", "接口不存在，请检查地址"),
    405: ("method_not_allowed", "该接口不支持此请求方法"),
}


class BodyMalformed(DomainError):
    status = 400
    code = "json_invalid"
    message = "请求体不是有效的JSON"


def error_response(status: int, code: str, message: str, fields=None) -> JsonResponse:
    return JsonResponse(
        {"code": code, "message": message, "fields": fields or {}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise BodyMalformed(
                f"请求体中字段“{key}”出现了两次",
                code="json_duplicate_key",
                fields={key: "字段重复"},
            )
        seen[key] = value
    return seen


ID_LIMIT = 2**63 - 1


class ValueOutOfRange(DomainError):
    status = 422
    code = "value_out_of_range"
    message = "提交的数值超出允许范围"


def _check_query(request) -> None:
    for key, values in request.GET.lists():
        text.check(key, field="query", multiline=False)
        for value in values:
            text.check(value, field=key, multiline=False)
            if key == "id" or key.endswith("_id"):
                digits = value.strip().lstrip("+-")
                if digits.isascii() and digits.isdigit() and int(digits) > ID_LIMIT:
                    raise ValueOutOfRange(fields={key: "编号超出允许范围"})


def _check_body(request) -> None:
    media_type = (request.content_type or "").lower()
    if media_type in FORM_TYPES:
        try:
            form = request.POST
            request.FILES  # noqa: B018 - parsing here surfaces a broken upload as a 400
        except MultiPartParserError:
            raise BodyMalformed(
                "上传的表单格式有误（缺少分隔符或内容不完整）", code="multipart_invalid"
            ) from None
        for key, values in form.lists():
            for value in values:
                text.check(value, field=key)
        for upload in request.FILES.values():
            text.check(upload.name or "", field="file", multiline=False)
        return
    if not request.body:
        return
    if media_type not in JSON_TYPES:
        raise UnsupportedMediaType()
    try:
        data = json.loads(request.body, object_pairs_hook=_no_duplicates)
    except (ValueError, UnicodeDecodeError):
        raise BodyMalformed() from None
    text.check_tree(data)


class ApiGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        try:
            _check_query(request)
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                _check_body(request)
        except DomainError as exc:
            return error_response(exc.status, exc.code, exc.message, exc.fields)
        response = self.get_response(request)
        fallback = _FALLBACK.get(response.status_code)
        if fallback and "json" not in response.get("Content-Type", ""):
            refusal = error_response(response.status_code, *fallback)
            if response.has_header("Allow"):
                refusal["Allow"] = response["Allow"]
            return refusal
        return response


# What the guard and ninja's own checks can answer, declared on every operation they apply to
# (the endpoints declare their domain refusals themselves with ``errors(...)``).
_REFUSALS = {
    400: "Bad Request",
    404: "Not Found",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
}


def declare_refusals(schema: dict) -> None:
    """Add to each operation of the OpenAPI document the statuses the front door can give it:
    422 to every operation (text in the query string; a parameter of the wrong type or out of
    range); 400 and 415 to one with a body (malformed JSON, a broken upload, a body that is not
    JSON); 404 to one with a path parameter (no such row, or not in the reader's scope); 414
    to one with query parameters (a request line longer than the web server takes)."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            statuses = {422}
            if "requestBody" in operation:
                statuses |= {400, 415}
            if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                statuses.add(404)
            if any(p.get("in") == "query" for p in operation.get("parameters", [])):
                statuses.add(414)  # the web server's limit on the request line, not JSON
            responses = operation.setdefault("responses", {})
            declared = {int(code) for code in responses}
            for status in sorted(statuses - declared):
                entry = {"description": _REFUSALS[status]}
                if status != 414:
                    entry["content"] = error
                responses[status] = entry
            operation["responses"] = dict(sorted(responses.items(), key=lambda kv: int(kv[0])))
