"""The error codes of the fund app; see :mod:`changhu.core.error_catalogue`."""

from enum import StrEnum


class ErrorCode(StrEnum):
    AMOUNT_INVALID = "amount_invalid"
    ENTRY_INVALID = "entry_invalid"
    ENTRY_NOT_REVERSIBLE = "entry_not_reversible"
    ENTRY_UNBALANCED = "entry_unbalanced"
    INDICATOR_INVALID = "indicator_invalid"
    LEVEL_INVALID = "level_invalid"
    LINE_INVALID = "line_invalid"
    PAYER_COUNT_INVALID = "payer_count_invalid"
    PERIOD_INVALID = "period_invalid"
    REASON_REQUIRED = "reason_required"
    SOURCE_INVALID = "source_invalid"
    VALUE_INVALID = "value_invalid"
    YEAR_INVALID = "year_invalid"
