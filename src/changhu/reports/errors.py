"""The error codes of the reports app; see :mod:`changhu.core.error_catalogue`."""

from enum import StrEnum


class ErrorCode(StrEnum):
    DISTRICT_INVALID = "district_invalid"
    PERIOD_INVALID = "period_invalid"
    PRESET_INVALID = "preset_invalid"
    PRESET_VERSION_CHANGED = "preset_version_changed"
    REPORT_NOT_DONE = "report_not_done"
    REPORT_UNKNOWN = "report_unknown"
