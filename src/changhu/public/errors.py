"""The error codes of the public app; see :mod:`changhu.core.error_catalogue`."""

from enum import StrEnum


class ErrorCode(StrEnum):
    BODY_REQUIRED = "body_required"
    CONCURRENT_CHANGE = "concurrent_change"
    CONSULTATION_RATE_LIMITED = "consultation_rate_limited"
    DISTRICT_INVALID = "district_invalid"
    KIND_INVALID = "kind_invalid"
    NAME_REQUIRED = "name_required"
    NOTE_REQUIRED = "note_required"
    ORDER_INVALID = "order_invalid"
    PHONE_REQUIRED = "phone_required"
    QUESTION_REQUIRED = "question_required"
    REPLY_CHANNEL_INVALID = "reply_channel_invalid"
    REPLY_REQUIRED = "reply_required"
    TEXT_TOO_LONG = "text_too_long"
    TITLE_REQUIRED = "title_required"
