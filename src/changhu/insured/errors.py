"""The error codes of the insured register: every code its refusals carry, in one place.

A test (core/tests/test_error_codes.py) reads the source and requires this list to name
exactly the codes raised; `docs/api.md` shows them with an HTTP status and an example
message (`changhu error-codes --write`).
"""

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
    IMPORT_CONFLICT = "import_conflict"
    IMPORT_CSV_MALFORMED = "import_csv_malformed"
    IMPORT_DUPLICATE_COLUMN = "import_duplicate_column"
    IMPORT_EMPTY_FILE = "import_empty_file"
    IMPORT_ENCODING = "import_encoding"
    IMPORT_FILE_MISSING = "import_file_missing"
    IMPORT_FILE_TOO_LARGE = "import_file_too_large"
    IMPORT_HAS_ERRORS = "import_has_errors"
    IMPORT_KIND = "import_kind"
    IMPORT_MISSING_COLUMNS = "import_missing_columns"
    IMPORT_MODE = "import_mode"
    IMPORT_NO_ROWS = "import_no_rows"
    IMPORT_NO_VALID_ROWS = "import_no_valid_rows"
    IMPORT_NOT_OWNER = "import_not_owner"
    IMPORT_NOT_PENDING = "import_not_pending"
    IMPORT_REFUSED = "import_refused"
    IMPORT_TEMPLATE = "import_template"
    IMPORT_TOO_MANY_ROWS = "import_too_many_rows"
    IMPORT_UNREADABLE = "import_unreadable"
    IMPORT_UNSUPPORTED_FORMAT = "import_unsupported_format"
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
