"""The error codes of the matching app; see :mod:`changhu.core.error_catalogue`."""

from enum import StrEnum


class ErrorCode(StrEnum):
    FEED_EMPTY = "feed_empty"
    FEED_TOO_MANY_ROWS = "feed_too_many_rows"
    MATCH_NOT_PENDING = "match_not_pending"
    REASON_REQUIRED = "reason_required"
    REASON_TOO_LONG = "reason_too_long"
    RECOVERY_NOT_PROPOSED = "recovery_not_proposed"
    RECOVERY_NO_OPEN_PERIOD = "recovery_no_open_period"
    SOURCE_INVALID = "source_invalid"
