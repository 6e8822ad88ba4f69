"""The error codes of the settlement app: every code its refusals carry, in one place.

A test (core/tests/test_error_codes.py) reads the source and requires this list to name
exactly the codes raised; `docs/api.md` shows them with an HTTP status and an example
message (`changhu error-codes --write`).
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    AMOUNT_INVALID = "amount_invalid"
    BENEFIT_INPUT_INVALID = "benefit_input_invalid"
    CLAIM_IN_REVIEW = "claim_in_review"
    CLAIM_NOT_DRAFT = "claim_not_draft"
    CLAIM_NOT_IN_REVIEW = "claim_not_in_review"
    CLAIMS_PENDING = "claims_pending"
    CLASS_INVALID = "class_invalid"
    DATE_INVALID = "date_invalid"
    FAMILY_SIZE_INVALID = "family_size_invalid"
    LINE_NOT_PAID = "line_not_paid"
    LINE_NOT_PAYABLE = "line_not_payable"
    MEMBER_EXISTS = "member_exists"
    MONTH_INVALID = "month_invalid"
    ORIGINAL_NOT_PAID = "original_not_paid"
    PAID_FROM_INVALID = "paid_from_invalid"
    PERIOD_INVALID = "period_invalid"
    PERIOD_LOCKED = "period_locked"
    PERIOD_NOT_COMPUTED = "period_not_computed"
    PLAN_NOT_FOUND = "plan_not_found"
    POLICY_EFFECTIVE_TAKEN = "policy_effective_taken"
    POLICY_IMMUTABLE = "policy_immutable"
    POLICY_INVALID = "policy_invalid"
    POLICY_NOT_FOUND = "policy_not_found"
    POLICY_VERSION_CONFLICT = "policy_version_conflict"
    REASON_CODE_INVALID = "reason_code_invalid"
    REASON_REQUIRED = "reason_required"
    REASON_TOO_LONG = "reason_too_long"
    RECOVERY_TOO_LARGE = "recovery_too_large"
    REGION_NOT_FOUND = "region_not_found"
    SAME_REVIEWER = "same_reviewer"
    SETTLEMENT_DEMO_NOT_READY = "settlement_demo_not_ready"
    YEAR_INVALID = "year_invalid"
