"""The providers API's router."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Router

router = Router(tags=["定点护理机构与护理员"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
