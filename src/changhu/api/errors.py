"""The error codes of the API's own refusals (authentication, throttling): every code its
refusals carry, in one place.

A test (core/tests/test_error_codes.py) reads the source and requires this list to name
exactly the codes raised; `docs/api.md` shows them with an HTTP status and an example
message (`changhu error-codes --write`).
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    JSON_DUPLICATE_KEY = "json_duplicate_key"
    JSON_INVALID = "json_invalid"
    LOGIN_FAILED = "login_failed"
    MULTIPART_INVALID = "multipart_invalid"
    PASSWORD_CHANGE_REQUIRED = "password_change_required"
    VALUE_OUT_OF_RANGE = "value_out_of_range"
