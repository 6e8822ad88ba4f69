"""The error codes of the assessment fees app; see :mod:`changhu.core.error_catalogue`."""

from enum import StrEnum


class ErrorCode(StrEnum):
    CITY_INVALID = "city_invalid"
    CITY_OUT_OF_SCOPE = "city_out_of_scope"
    CITY_REQUIRED = "city_required"
    FEE_TABLE_DATE_TAKEN = "fee_table_date_taken"
    FEE_TABLE_INVALID = "fee_table_invalid"
    FEE_TABLE_MISSING = "fee_table_missing"
    FEE_TABLE_VERSION_CHANGED = "fee_table_version_changed"
    MONTH_IN_FUTURE = "month_in_future"
    MONTH_INVALID = "month_invalid"
    NO_FEE_CASES = "no_fee_cases"
    REASON_REQUIRED = "reason_required"
    REFERENCE_REQUIRED = "reference_required"
    REFERENCE_TOO_LONG = "reference_too_long"
    RUN_EXISTS = "run_exists"
    RUN_REVIEWED = "run_reviewed"
    SAME_PERSON = "same_person"
    STATEMENT_NOT_APPROVED = "statement_not_approved"
    STATEMENT_NOT_DRAFT = "statement_not_draft"
