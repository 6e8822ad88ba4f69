"""Who is acting and from where, for the audit trail, without passing the request everywhere."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class ActorContext:
    user_id: int | None = None
    ip: str | None = None
    channel: str = "system"  # web / api / cli / system


# ActorContext is frozen, so sharing one default instance is safe.
_current: contextvars.ContextVar[ActorContext] = contextvars.ContextVar(
    "changhu_actor",
    default=ActorContext(),  # noqa: B039
)


def current() -> ActorContext:
    return _current.get()


def set_current(ctx: ActorContext) -> contextvars.Token:
    return _current.set(ctx)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)


def client_ip(request) -> str | None:
    """The client's address; X-Forwarded-For is trusted only behind our own proxy."""
    from django.conf import settings

    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")
