"""Money is integer fen; one rounding rule, half-up to the fen."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def round_fen(value: Decimal | int | str) -> int:
    """Round an amount in fen (possibly fractional) half-up to a whole fen."""
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def yuan_to_fen(value: Decimal | int | str) -> int:
    return round_fen(Decimal(str(value)) * 100)


def format_yuan(fen: int | None) -> str:
    """``123456`` -> ``1,234.56``."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan:,}.{cents:02d}"
