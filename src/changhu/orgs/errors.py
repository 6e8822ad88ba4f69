"""The error codes of organizations and accounts: every code its refusals carry, in one place.

A test (core/tests/test_error_codes.py) reads the source and requires this list to name
exactly the codes raised; `docs/api.md` shows them with an HTTP status and an example
message (`changhu error-codes --write`).
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    DEMO_PASSWORD_INVALID = "demo_password_invalid"
    DEMO_REGIONS_MISSING = "demo_regions_missing"
    PASSWORD_INCORRECT = "password_incorrect"
    PASSWORD_REQUIRED = "password_required"
    PASSWORD_UNCHANGED = "password_unchanged"
    PASSWORD_WEAK = "password_weak"
