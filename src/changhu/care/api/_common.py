"""The care API's router and the literal types its schemas share."""

from __future__ import annotations

from typing import Literal

from ninja import Router

router = Router(tags=["待遇资格与护理计划"])

CareModeLiteral = Literal["institutional", "home_visit", "individual", "family"]
PeriodLiteral = Literal["day", "week", "month"]
