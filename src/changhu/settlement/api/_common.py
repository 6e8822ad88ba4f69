"""The settlement API's router."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["待遇政策与结算"])
