"""The error codes of the scorecards app; see :mod:`changhu.core.error_catalogue`."""

from enum import StrEnum


class ErrorCode(StrEnum):
    CONSEQUENCE_DECIDED = "consequence_decided"
    CONSEQUENCE_NO_OPEN_PERIOD = "consequence_no_open_period"
    CONSEQUENCE_NOT_APPLICABLE = "consequence_not_applicable"
    CONTRACT_FEE_INVALID = "contract_fee_invalid"
    EVIDENCE_REQUIRED = "evidence_required"
    INDICATOR_NOT_MANUAL = "indicator_not_manual"
    KIND_INVALID = "kind_invalid"
    NO_INDICATOR_SET = "no_indicator_set"
    ORGANIZATION_NOT_SCORED = "organization_not_scored"
    PERIOD_INVALID = "period_invalid"
    POINTS_INVALID = "points_invalid"
    PRESET_INVALID = "preset_invalid"
    PRESET_VERSION_CHANGED = "preset_version_changed"
    REASON_REQUIRED = "reason_required"
