"""Chinese labels for the codes settlement stores: policies and rule versions, payers, care
modes, institution classes and claim states. Pages and statements show these, never the codes.

Policy and payer labels need the loaded policy versions and region names; a
:class:`PolicyLabels` reads them once (two small queries) and is passed to the template.
"""

from __future__ import annotations

from changhu.fund.models import FUND_LABELS, LTCI_FUND
from changhu.orgs.models import Region
from changhu.settlement.models import ClaimStatus, PolicyKind, PolicyVersion
from changhu.settlement.policy import CARE_MODES, INSTITUTION_CLASSES

CLAIM_STATUS_LABELS = dict(ClaimStatus.choices)

# How a claim left a state, by (from, to): the step a person took, in their words.
CLAIM_STEP_LABELS = {
    ("draft", "submitted"): "机构申报",
    ("submitted", "first_reviewed"): "初审通过",
    ("submitted", "draft"): "初审退回机构",
    ("first_reviewed", "approved"): "复核通过",
    ("first_reviewed", "submitted"): "复核退回初审",
    ("approved", "paid"): "拨付",
}
RETURN_STEPS = {("submitted", "draft"), ("first_reviewed", "submitted")}

# Why a reviewer sends a claim back (初审退回机构, 复核退回初审). The chosen label leads the
# reason stored with the step (``缺少护理记录：……``), so the queue card can name it.
RETURN_REASONS = {
    "care_records_missing": "缺少护理记录",
    "documents_missing": "申报材料不全",
    "amounts_mismatch": "金额或天数与服务记录不符",
    "persons_not_eligible": "含不符合待遇条件的人员",
    "duplicate": "存在重复申报",
    "lines_to_recheck": "部分明细需重新审核",
    "other": "其他",
}


def version_label(version: str) -> str:
    """``2023.1`` -> ``2023版``; a later revision of a year keeps its number (``2023.2版``)."""
    year, _, revision = version.partition(".")
    if revision in ("", "0", "1"):
        return f"{year}版"
    return f"{version}版"


def care_mode_label(code: str) -> str:
    return CARE_MODES.get(code, code)


def institution_class_label(code: str) -> str:
    return INSTITUTION_CLASSES.get(code or "", code)


def return_headline(reason: str) -> str:
    """The chosen reason at the head of a stored return reason, or the text itself, short."""
    head = reason.split("：", 1)[0].strip()
    if head in RETURN_REASONS.values():
        return head
    text = reason.strip()
    return text if len(text) <= 20 else f"{text[:19]}…"


def claim_step_label(from_state: str, to_state: str) -> str:
    """The step behind a claim's state change; unknown pairs are named by their states."""
    label = CLAIM_STEP_LABELS.get((from_state, to_state))
    if label:
        return label
    return (
        f"{CLAIM_STATUS_LABELS.get(from_state, from_state)} → "
        f"{CLAIM_STATUS_LABELS.get(to_state, to_state)}"
    )


class PolicyLabels:
    """Labels of policy versions, rule versions and payers, read from the database once."""

    def __init__(self) -> None:
        self._policies: list[PolicyVersion] | None = None
        self._regions: dict[str, str] = {}

    def _load(self) -> list[PolicyVersion]:
        if self._policies is None:
            self._policies = list(
                PolicyVersion.objects.only("code", "version", "kind", "name", "region_code")
            )
            codes = {p.region_code for p in self._policies}
            self._regions = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
        return self._policies

    def region_name(self, code: str) -> str:
        self._load()
        return self._regions.get(code, "")

    def policy(self, policy: PolicyVersion | None) -> str:
        """A short name for a policy version: ``成都市2023版``."""
        if policy is None:
            return ""
        region = self.region_name(policy.region_code)
        if policy.kind == PolicyKind.SUPPLEMENTARY or not region:
            return f"{policy.name}（{version_label(policy.version)}）"
        return f"{region}{version_label(policy.version)}"

    def rule(self, line) -> str:
        """A line's rule version: ``成都市2023版 基础照护待遇``."""
        return f"{self.policy(line.policy)} {line.benefit_name}".strip()

    def payer(self, code: str) -> str:
        """Who pays a line or an order: the LTCI fund, or the supplementary plan by name."""
        for policy in self._load():
            if policy.code != code:
                continue
            if policy.kind == PolicyKind.BENEFIT:
                return FUND_LABELS[LTCI_FUND]
            return policy.name
        return FUND_LABELS.get(code, code)

    def fund(self, code: str) -> str:
        """A fund's name: ``ltci`` is the LTCI fund; a supplementary plan's fund is the plan."""
        if code in FUND_LABELS:
            return FUND_LABELS[code]
        return self.payer(code)
