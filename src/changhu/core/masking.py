"""Masking of personal data for display: lists, exports, audit diffs."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """``320102199001011234`` -> ``3201**********1234``."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """``13812345678`` -> ``138****5678``; landlines keep their last four digits."""
    if not value:
        return ""
    if len(value) == 11 and value.isdigit():
        return value[:3] + "****" + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_address(value: str, keep: int = 6) -> str:
    """Keeps the first characters (usually district and street), hides the house details."""
    if not value:
        return ""
    if len(value) <= keep:
        return value[: max(1, len(value) // 2)] + "****"
    return value[:keep] + "****"


def mask_name(value: str) -> str:
    """``张三丰`` -> ``张*丰``; ``李四`` -> ``李*``."""
    if not value:
        return ""
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
