"""Shapes shared by every router: the error body, pagination."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.core.paginator import Paginator
from ninja import Schema
from pydantic import Field

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
