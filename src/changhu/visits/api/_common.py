"""The visits API's router, shared by its endpoint modules."""

from __future__ import annotations

from typing import Literal

from ninja import Router

router = Router(tags=["上门服务与稽核"])

Datum = Literal["wgs84", "gcj02", "bd09"]
