"""The error codes of the insured register; see :mod:`changhu.core.error_catalogue`."""

from enum import StrEnum


class ErrorCode(StrEnum):
    ADDRESS_TOO_LONG = "address_too_long"
    COORDINATE_PAIR = "coordinate_pair"
    DATE_AFTER_DEATH = "date_after_death"
    DATE_IN_FUTURE = "date_in_future"
    DATE_ORDER = "date_order"
    ENROLMENT_BEFORE_BIRTH = "enrolment_before_birth"
    HOME_POSITION_SET = "home_position_set"
    HOSPITAL_STAY_CLOSED = "hospital_stay_closed"
    HOSPITAL_STAY_OVERLAP = "hospital_stay_overlap"
    ID_NUMBER_IMMUTABLE = "id_number_immutable"
    PERSON_ALREADY_DECEASED = "person_already_deceased"
    PERSON_DECEASED = "person_deceased"
    PERSON_DUPLICATE_ID = "person_duplicate_id"
    REASON_REQUIRED = "reason_required"
    REGION_OUT_OF_SCOPE = "region_out_of_scope"
    REGION_REQUIRED = "region_required"
    REGION_UNKNOWN = "region_unknown"
    REVEAL_FIELDS = "reveal_fields"
    SPECIAL_GROUP_UNKNOWN = "special_group_unknown"
    STALE_VERSION = "stale_version"
    STATUS_INVALID = "status_invalid"
    STATUS_UNCHANGED = "status_unchanged"
