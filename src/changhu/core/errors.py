"""Domain errors: a stable code, a Chinese message for people, optional per-field messages.

Services raise these; the API turns them into ``{"code", "message", "fields"}`` with the
status below, and the web views show the message next to the form. An error may also carry
``details``, data for programs (e.g. the id of the record it conflicts with), added to the
body only when there are some.
"""

from __future__ import annotations

from enum import StrEnum


class DomainError(Exception):
    status = 400
    code = "invalid"
    message = "请求无效"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: dict[str, str] | None = None,
        details: dict | None = None,
    ) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.fields = fields or {}
        self.details = details or {}
        super().__init__(self.message)

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message, "fields": self.fields}
        if self.details:
            body["details"] = self.details
        return body


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"
    message = "提交的数据有误，请检查标出的字段"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = "记录不存在或无权查看"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    message = "没有执行此操作的权限"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message = "操作与当前状态冲突"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    message = "请先登录"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"
    message = "不支持的请求内容类型，请以 application/json 提交"


def field_error(field: str, code: str, message: str) -> ValidationFailed:
    """A validation error about one field, with the field's code as the error code."""
    return ValidationFailed(message, code=code, fields={field: message})


class ErrorCode(StrEnum):
    """Every code the core package's own refusals carry (core/tests/test_error_codes.py
    checks the list against the source; docs/api.md shows them)."""

    CALENDAR_VERSION_CHANGED = "calendar_version_changed"
    CONCURRENT_CHANGE = "concurrent_change"
    CONFLICT = "conflict"
    ID_NUMBER_BIRTH_DATE = "id_number_birth_date"
    ID_NUMBER_CHECKSUM = "id_number_checksum"
    ID_NUMBER_DIVISION = "id_number_division"
    ID_NUMBER_FORMAT = "id_number_format"
    ID_NUMBER_LENGTH = "id_number_length"
    ID_NUMBER_REQUIRED = "id_number_required"
    ILLEGAL_TRANSITION = "illegal_transition"
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
    IMPORT_NOT_OWNER = "import_not_owner"
    IMPORT_NOT_PENDING = "import_not_pending"
    IMPORT_NO_ROWS = "import_no_rows"
    IMPORT_NO_VALID_ROWS = "import_no_valid_rows"
    IMPORT_REFUSED = "import_refused"
    IMPORT_TEMPLATE = "import_template"
    IMPORT_TOO_MANY_ROWS = "import_too_many_rows"
    IMPORT_UNREADABLE = "import_unreadable"
    IMPORT_UNSUPPORTED_FORMAT = "import_unsupported_format"
    INVALID = "invalid"
    NOT_AUTHENTICATED = "not_authenticated"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    PHONE_FORMAT = "phone_format"
    PRESET_INVALID = "preset_invalid"
    TEXT_INVALID = "text_invalid"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    UPLOAD_CORRUPT = "upload_corrupt"
    UPLOAD_EMPTY = "upload_empty"
    UPLOAD_TOO_LARGE = "upload_too_large"
    UPLOAD_TYPE_REFUSED = "upload_type_refused"
    VALIDATION_FAILED = "validation_failed"
