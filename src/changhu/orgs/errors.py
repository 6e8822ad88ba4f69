"""The error codes of organizations and accounts; see :mod:`changhu.core.error_catalogue`."""

from enum import StrEnum


class ErrorCode(StrEnum):
    AUDIT_ACTION_INVALID = "audit_action_invalid"
    AUDIT_DATE_INVALID = "audit_date_invalid"
    AUDIT_DATE_ORDER = "audit_date_order"
    AUDIT_DATE_OUT_OF_RANGE = "audit_date_out_of_range"
    AUDIT_EXPORT_TOO_LARGE = "audit_export_too_large"
    AUDIT_OBJECT_TYPE_INVALID = "audit_object_type_invalid"
    AUDIT_RANGE_TOO_LONG = "audit_range_too_long"
    DEMO_PASSWORD_INVALID = "demo_password_invalid"
    DEMO_REGIONS_MISSING = "demo_regions_missing"
    PASSWORD_INCORRECT = "password_incorrect"
    PASSWORD_REQUIRED = "password_required"
    PASSWORD_UNCHANGED = "password_unchanged"
    PASSWORD_WEAK = "password_weak"
