"""The right each API operation needs, declared beside the endpoint and checked before the
request is read.

    @router.post("/entitlements", response={201: EntitlementOut, **errors(403, 404, 409, 422)})
    @needs(Right.CARE_ENTITLEMENT)
    def entitlement_open(request, payload: EntitlementIn): ...

``ChanghuAPI`` checks the declaration after sign-in and throttling and before ninja reads the
path, the query or the body, so a user without the right gets 403 whatever they send (not a
422 about a body they were never allowed to send), and the service behind the endpoint still
checks the same right itself. Every operation that is not a GET must declare one of:

- ``@needs(right, ...)``: a user holding any one of the rights;
- ``@signed_in()``: any signed-in user (their own password, their own token);
- ``@public``: no sign-in at all (exchanging a password for a token).

``writes=False`` marks a POST that computes and stores nothing (the calculators). The OpenAPI
document carries the declaration for API users: ``x-changhu-rights`` (the rights, any one of
which admits; an empty list for any signed-in user), ``x-changhu-public`` and
``x-changhu-writes``, and a line in each operation's description.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from ninja.errors import ConfigError
from ninja.utils import contribute_operation_callback

from changhu.core.errors import PermissionDenied
from changhu.core.scope import scope_of
from changhu.orgs.roles import RIGHT_LABELS

ATTRIBUTE = "changhu_access"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Access:
    rights: tuple[str, ...] = ()  # any one of them admits; none: any signed-in user
    public: bool = False  # no sign-in at all
    writes: bool = True  # False: the operation computes and stores nothing

    def admits(self, user) -> bool:
        if self.public or not self.rights:
            return True
        scope = scope_of(user)
        return any(scope.can(right) for right in self.rights)

    def describe(self) -> str:
        """The line the OpenAPI description gains (in Chinese, for API users)."""
        if self.public:
            return "**权限**：无需登录。"
        if not self.rights:
            return "**权限**：已登录用户均可调用。"
        names = "、".join(f"`{r}`（{RIGHT_LABELS.get(r, r)}）" for r in self.rights)
        either = "以下权限之一" if len(self.rights) > 1 else ""
        return f"**权限**：需要{either}{names}，否则返回403。"

    def openapi(self) -> dict:
        extra: dict = {"x-changhu-public": True} if self.public else {}
        if not self.public:
            extra["x-changhu-rights"] = list(self.rights)
        if not self.writes:
            extra["x-changhu-writes"] = False
        return extra


def _declare(access: Access, func: Callable) -> Callable:
    if getattr(func, ATTRIBUTE, None) is not None:
        raise ConfigError(f"{func.__qualname__}: the right is declared twice")
    setattr(func, ATTRIBUTE, access)
    operation = getattr(func, "_ninja_operation", None)
    if operation is not None:  # written above @router.post(...)
        _document(access, operation)
    else:
        contribute_operation_callback(func, partial(_document, access))
    return func


def _document(access: Access, operation) -> None:
    operation.openapi_extra = {**(operation.openapi_extra or {}), **access.openapi()}
    description = (operation.description or "").rstrip()
    operation.description = f"{description}\n\n{access.describe()}".strip()


def needs(*rights: str, writes: bool = True) -> Callable[[Callable], Callable]:
    """The operation needs any one of ``rights``."""
    unknown = [r for r in rights if r not in RIGHT_LABELS]
    if not rights or unknown:
        raise ConfigError(f"needs() takes named rights; unknown: {unknown}")
    return partial(_declare, Access(rights=tuple(rights), writes=writes))


def signed_in(*, writes: bool = True) -> Callable[[Callable], Callable]:
    """Any signed-in user may call the operation (it acts on the caller's own things)."""
    return partial(_declare, Access(writes=writes))


def public(func: Callable) -> Callable:
    """No sign-in needed (the operation must also say ``auth=None``)."""
    return _declare(Access(public=True), func)


def access_of(view_func: Callable) -> Access | None:
    return getattr(view_func, ATTRIBUTE, None)


def guard(operation) -> None:
    """Put the declared right in front of ``operation``: checked after sign-in and throttling
    (ninja's ``_run_checks``), before the operation's parameters and body are read. A write
    without a declaration is a configuration error, raised when the API's URLs are built."""
    access = access_of(operation.view_func)
    if access is None:
        if set(operation.methods) - READ_METHODS:
            func = operation.view_func
            raise ConfigError(
                f"{func.__module__}.{func.__name__}: declare who may call it "
                "(@needs(Right...), @signed_in() or @public from changhu.api.rights)"
            )
        return
    if access.public:
        if operation.auth_callbacks:
            raise ConfigError(f"{operation.view_func.__name__}: @public needs auth=None")
        return
    if not access.rights:
        return
    checks = operation._run_checks

    def run_checks(request):
        refusal = checks(request)
        if refusal is None and not access.admits(request.auth):
            return operation.api.on_exception(request, PermissionDenied())
        return refusal

    operation._run_checks = run_checks


def declare_forbidden(schema: dict) -> None:
    """Every operation that declares rights can answer 403: say so in its responses."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if not operation.get("x-changhu-rights"):
                continue
            responses = operation.setdefault("responses", {})
            if not any(int(code) == 403 for code in responses):
                responses[403] = {
                    "description": "Forbidden",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}
                    },
                }
