"""What every router shares: the error body and the errors a write declares (``write``), pages
of a list (``list_page``: the right, the filters from the query, the scoped selector)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.core.paginator import Paginator
from ninja import Schema, Status
from pydantic import Field

from changhu.core.scope import require

T = TypeVar("T")


class ErrorOut(Schema):
    code: str = Field(..., description="稳定的错误码，供程序判断")
    message: str = Field(..., description="中文说明，供用户阅读")
    fields: dict[str, str] = Field(default_factory=dict, description="字段级错误")
    details: dict[str, Any] | None = Field(
        None, description="供程序使用的附加数据（如冲突记录的编号），仅部分错误提供"
    )


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error responses an operation declares (401 and 429 apply to every operation)."""
    return {s: ErrorOut for s in sorted({*statuses, 401, 429})}


# What a write on a record may meet: no right (403), outside the scope (404), against its state
# (409), bad input (422).
WRITE_ERRORS = (403, 404, 409, 422)


def write(router, path: str, out, *, status: int = 200, statuses=WRITE_ERRORS, method="post"):
    """``@router.post`` (or ``method``) of a write answering ``out`` with ``status``, declaring
    the error responses ``statuses``."""
    return getattr(router, method)(path, response={status: out, **errors(*statuses)})


class Page(Schema, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


MAX_PAGE_SIZE = 100


def paginate(queryset, *, page: int, page_size: int, convert=None) -> dict:
    """One page of a queryset; the rows go to the response schema as they are (its resolvers
    fill what the model does not have), or through ``convert`` first."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    paginator = Paginator(queryset, page_size)
    number = max(1, min(page, paginator.num_pages or 1))
    items = paginator.page(number).object_list
    return {
        "items": [convert(obj) for obj in items] if convert else list(items),
        "total": paginator.count,
        "page": number,
        "page_size": page_size,
    }


def filters_from(query: Schema, filters_class: type[T], **extra: Any) -> T:
    """A selector's filter dataclass from a list query: each filter the query has a parameter
    of the same name for, plus ``extra`` (a path parameter such as the claim)."""
    names = {f.name for f in dataclasses.fields(filters_class)} - extra.keys()
    given = {n: getattr(query, n) for n in names if n in type(query).model_fields}
    return filters_class(**given, **extra)


def paginate_query(queryset, query: Schema) -> dict:
    """``paginate`` with the page and page size a list query carries."""
    return paginate(queryset, page=query.page, page_size=query.page_size)


def list_page(
    request,
    query: Schema,
    selector: Callable,
    filters_class: type | None = None,
    *,
    right: str | None = None,
    **kwargs: Any,
) -> dict:
    """The page a list endpoint answers with: ``selector`` in the caller's data scope, given
    ``filters_class`` filled from the query (see ``filters_from``) and ``kwargs`` as they are,
    after checking ``right`` when the list needs one beyond the scope."""
    if right is not None:
        require(request.auth, right)
    if filters_class is not None:
        kwargs["filters"] = filters_from(query, filters_class)
    return paginate_query(selector(fetched_by=request.auth, **kwargs), query)


def stored_once(row, created: bool) -> Status:
    """The answer to an upload stored once per content (``core.uploads.store_once``): 201 with
    the new file, 200 with the one stored before."""
    body = {
        "id": row.pk,
        "sha256": row.sha256,
        "size": row.size,
        "content_type": row.content_type,
        "created": created,
    }
    return Status(201 if created else 200, body)
