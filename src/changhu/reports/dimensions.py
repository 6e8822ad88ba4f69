"""The dimensions a report breaks down by: their Chinese titles, and the label and order of their
keys (the choices of the models that own them; districts from the region tree)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

GRADE_LABELS = {
    0: "基本正常",
    1: "轻度失能",
    2: "中度失能",
    3: "重度失能Ⅰ级",
    4: "重度失能Ⅱ级",
    5: "重度失能Ⅲ级",
}
NO_CARE_MODE = "未安排照护"


def _choices(path: str) -> Callable[[], list[tuple[str, str]]]:
    def load() -> list[tuple[str, str]]:
        from django.utils.module_loading import import_string

        return [(str(k), str(v)) for k, v in import_string(path).choices]

    return load


def _care_modes() -> list[tuple[str, str]]:
    return [*_choices("changhu.providers.models.CareMode")(), ("", NO_CARE_MODE)]


def _accounts() -> list[tuple[str, str]]:
    return _choices("changhu.fund.models.Account")()


TITLES = {
    "total": "合计",
    "district": "区县",
    "grade": "失能等级",
    "care_mode": "照护方式",
    "insurance_type": "参保类型",
    "kind": "申请类型",
    "channel": "申请渠道",
    "institution": "护理机构",
    "claim_status": "申报状态",
    "payee_kind": "收款方类别",
    "finding_status": "疑点状态",
    "severity": "严重程度",
    "category": "投诉类别",
    "complaint_status": "投诉状态",
    "account": "科目",
    "institution_status": "机构状态",
    "caregiver_kind": "护理员类别",
}

KNOWN: dict[str, Callable[[], list[tuple[str, str]]]] = {
    "care_mode": _care_modes,
    "insurance_type": _choices("changhu.insured.models.InsuranceType"),
    "kind": _choices("changhu.assessment.models.Kind"),
    "channel": _choices("changhu.assessment.models.Channel"),
    "claim_status": _choices("changhu.settlement.models.ClaimStatus"),
    "payee_kind": _choices("changhu.settlement.models.Payee"),
    "finding_status": _choices("changhu.visits.models.FindingStatus"),
    "severity": _choices("changhu.visits.models.Severity"),
    "category": _choices("changhu.feedback.models.Category"),
    "complaint_status": _choices("changhu.feedback.models.ComplaintStatus"),
    "account": _accounts,
    "institution_status": _choices("changhu.providers.models.InstitutionStatus"),
    "caregiver_kind": _choices("changhu.providers.models.CaregiverKind"),
}


def is_known(code: str) -> bool:
    return code in TITLES


def districts(
    prefixes: Iterable[str], all_regions: bool, found: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """The districts of the run's scope, by code; for a run over every region (which may span
    several cities), the districts with figures."""
    from django.db.models import Q

    from changhu.orgs.models import Region, RegionLevel

    qs = Region.objects.filter(level=RegionLevel.DISTRICT)
    if all_regions:
        qs = qs.filter(code__in=list(found))
    else:
        q = Q(pk__in=[])
        for prefix in prefixes:
            q |= Q(code=prefix[:6]) if len(prefix) >= 6 else Q(code__startswith=prefix)
        qs = qs.filter(q)
    return [(r.code[:6], r.name) for r in qs.order_by("code")]


def keys(code: str, found: Iterable, *, prefixes=(), all_regions=False) -> list[tuple[str, str]]:
    """Every key of a dimension to show, in order, with its label: the known ones first (so a
    zero shows as a zero), then any other key the figures produced."""
    found = [str(k) for k in found]
    if code == "district":
        ordered = districts(prefixes, all_regions, found)
    elif code == "grade":
        ordered = [(str(g), label) for g, label in GRADE_LABELS.items()]
        ordered = [(k, v) for k, v in ordered if k in found or int(k) >= 3]
    elif code in KNOWN:
        ordered = KNOWN[code]()
        if code == "care_mode":
            ordered = [(k, v) for k, v in ordered if k or ("" in found)]
    else:
        ordered = []
    known = {k for k, _ in ordered}
    extra = sorted(k for k in found if k not in known)
    return ordered + [(k, k or "（空）") for k in extra]
