"""One Ninja API for the whole product, at /api/v1/. Each app contributes a router."""

from __future__ import annotations

from django.conf import settings
from django.db import DataError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.throttling import AnonRateThrottle, AuthRateThrottle

from changhu.api import rights
from changhu.api.auth import StaffSession, TokenAuth
from changhu.api.guard import declare_refusals
from changhu.api.routes import ROUTERS
from changhu.core.errors import DomainError, ValidationFailed


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 JSON: Chinese text stays readable instead of ``\\uXXXX`` escapes."""

    json_dumps_params = {"ensure_ascii": False}


class ChanghuAPI(NinjaAPI):
    """Operation ids name the app's API, not the module inside it: an app's ``api`` package
    split into modules (``changhu.visits.api.phone``) keeps the ids its ``api.py`` had
    (``changhu_visits_api_check_in``), so clients generated from the schema keep working.

    Once its routers are bound, each operation gets the right it declares
    (:mod:`changhu.api.rights`) checked before its parameters and body are read."""

    _rights_guarded = False

    def _get_bound_routers(self):
        bound = super()._get_bound_routers()
        if not self._rights_guarded:
            self._rights_guarded = True  # once, even if a missing declaration stops it
            for router in bound:
                for path_view in router.path_operations.values():
                    for operation in path_view.operations:
                        rights.guard(operation)
        return bound

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        rights.declare_forbidden(schema)
        declare_refusals(schema)  # also sorts each operation's responses
        return schema

    def get_openapi_operation_id(self, operation) -> str:
        module = operation.view_func.__module__
        app_api, split, _ = module.partition(".api.")
        if split and not module.startswith("changhu.api."):
            module = f"{app_api}.api"
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")


api = ChanghuAPI(
    title="长护 Changhu API",
    version="1",
    description=(
        "长期护理保险经办平台接口。所有错误返回统一结构 "
        '`{"code": 错误码, "message": 中文说明, "fields": {字段: 说明}}`。'
        "认证：`POST /api/v1/auth/token` 获取令牌后以 `Authorization: Bearer <token>` 调用。"
    ),
    auth=[TokenAuth(), StaffSession()],
    throttle=[
        AnonRateThrottle(settings.API_THROTTLE_ANON),
        AuthRateThrottle(settings.API_THROTTLE_USER),
    ],
    urls_namespace="api",
    renderer=ChineseJSONRenderer(),
)


def _error(request, status: int, code: str, message: str, fields=None, details=None):
    body = {"code": code, "message": message, "fields": fields or {}}
    if details:
        body["details"] = details
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return _error(request, exc.status, exc.code, exc.message, exc.fields, exc.details)


_PYDANTIC_MESSAGES = {
    "missing": "必填项",
    "string_type": "应为文本",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为是/否",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_type": "应为日期（YYYY-MM-DD）",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "list_type": "应为列表",
    "json_invalid": "请求体不是有效的JSON",
    "string_too_long": "内容过长",
    "string_too_short": "内容过短",
    "enum": "不是允许的取值",
    "literal_error": "不是允许的取值",
    "extra_forbidden": "不允许的字段",
    "model_attributes_type": "格式不正确",
    "dict_type": "应为对象",
}


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    fields: dict[str, str] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path")]
        name = ".".join(loc) or "body"
        fields.setdefault(name, _PYDANTIC_MESSAGES.get(err.get("type", ""), "格式不正确"))
    return _error(request, 422, "validation_failed", "提交的数据格式有误，请检查标出的字段", fields)


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def on_out_of_range(request, exc):
    """A number too large for the database (an id of 25 digits): the request's fault, not ours."""
    refusal = ValidationFailed("提交的数值超出允许范围", code="value_out_of_range")
    return _error(request, refusal.status, refusal.code, refusal.message)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _error(request, 401, "not_authenticated", "请先登录或提供有效的访问令牌")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    messages = {
        403: ("permission_denied", "没有执行此操作的权限"),
        404: ("not_found", "记录不存在或无权查看"),
        405: ("method_not_allowed", "不支持的请求方法"),
        429: ("throttled", "请求过于频繁，请稍后再试"),
    }
    code, message = messages.get(exc.status_code, ("bad_request", "请求无效"))
    return _error(request, exc.status_code, code, message)


def _throttled(request, exc):
    return _error(request, 429, "throttled", "请求过于频繁，请稍后再试")


try:  # ninja >= 1.2 raises Throttled
    from ninja.errors import Throttled

    api.add_exception_handler(Throttled, _throttled)
except ImportError:  # pragma: no cover
    pass


for prefix, router in ROUTERS:
    api.add_router(prefix, router)
