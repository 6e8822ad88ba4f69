"""The providers API's router."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["定点护理机构与护理员"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
