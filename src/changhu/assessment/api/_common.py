"""The assessment API's router."""

from __future__ import annotations

from ninja import Router

from changhu.insured.models import SpecialGroup

router = Router(tags=["失能评估"])

_GROUP_LABELS = dict(SpecialGroup.choices)
