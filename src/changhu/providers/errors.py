"""The error codes of the providers app: every code its refusals carry, in one place.

A test (core/tests/test_error_codes.py) reads the source and requires this list to name
exactly the codes raised; `docs/api.md` shows them with an HTTP status and an example
message (`changhu error-codes --write`).
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    ACCOUNT_EXISTS = "account_exists"
    ADMISSION_PENDING = "admission_pending"
    AGREEMENT_NOT_ACTIVE = "agreement_not_active"
    AGREEMENT_NUMBER_TAKEN = "agreement_number_taken"
    AGREEMENT_OVERLAP = "agreement_overlap"
    BENEFICIARY_DECEASED = "beneficiary_deceased"
    BENEFICIARY_UNKNOWN = "beneficiary_unknown"
    CAREGIVER_CERTIFICATE_EXPIRED = "caregiver_certificate_expired"
    CAREGIVER_DUPLICATE_ID = "caregiver_duplicate_id"
    CAREGIVER_NOT_ACTIVE = "caregiver_not_active"
    CAREGIVER_QUALIFICATION = "caregiver_qualification"
    CERTIFICATE_DUPLICATE = "certificate_duplicate"
    DATE_IN_FUTURE = "date_in_future"
    DATE_ORDER = "date_order"
    FAST_CHANNEL_NOT_ELIGIBLE = "fast_channel_not_eligible"
    INSPECTION_FAILED = "inspection_failed"
    INSTITUTION_EXISTS = "institution_exists"
    INSTITUTION_MODE_NOT_OFFERED = "institution_mode_not_offered"
    INSTITUTION_NO_AGREEMENT = "institution_no_agreement"
    INSTITUTION_NOT_ACTIVE = "institution_not_active"
    INSTITUTION_REQUIRED = "institution_required"
    INSTITUTION_TERMINATED = "institution_terminated"
    NO_ACCOUNT = "no_account"
    ORGANIZATION_NAME_TAKEN = "organization_name_taken"
    REASON_REQUIRED = "reason_required"
    REGION_OUT_OF_SCOPE = "region_out_of_scope"
    REVEAL_FIELDS = "reveal_fields"
    SERVICE_POINT_DUPLICATE = "service_point_duplicate"
    STALE_VERSION = "stale_version"
    STATUS_ACTION = "status_action"
    USERNAME_INVALID = "username_invalid"
    USERNAME_TAKEN = "username_taken"
