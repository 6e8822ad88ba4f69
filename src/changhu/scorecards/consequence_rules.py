"""Consequences of a score as data (pure Python): which score band of which kind of scorecard
calls for which consequences.

A rule set maps each kind to an ordered list of bands ``{"below": 70, "consequences": [...]}``;
a score falls in the first band whose ``below`` it is under (the last band may leave ``below``
out and then takes every remaining score). A score in no band calls for nothing. A consequence
is ``{"action": ...}`` plus, for ``withholding``, the ``percent`` of the deposit base withheld
and, for ``fee_factor``, the ``factor`` the insurer's service fee is multiplied by.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ACTIONS = {
    "warning": "警告",
    "interview": "约谈",
    "withholding": "扣留质量保证金",
    "suspension": "暂停新增服务对象",
    "termination": "解除协议（退出）",
    "fee_factor": "经办服务费考核系数",
}
# Which kinds of scorecard an action may apply to: suspension and termination go through the
# care institutions' status workflow; the fee factor is the insurers' contract.
ACTION_KINDS = {
    "warning": {"care-institution", "assessment-institution", "insurer"},
    "interview": {"care-institution", "assessment-institution", "insurer"},
    "withholding": {"care-institution"},
    "suspension": {"care-institution"},
    "termination": {"care-institution"},
    "fee_factor": {"insurer"},
}
MAX_FACTOR = Decimal(2)


class RuleProblem(ValueError):
    """What is wrong with a rule set, in Chinese."""


def _number(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _check_consequence(kind: str, label: str, item) -> None:
    if not isinstance(item, dict) or item.get("action") not in ACTIONS:
        raise RuleProblem(f"{label}的action应为{'/'.join(ACTIONS)}")
    action = item["action"]
    if kind not in ACTION_KINDS[action]:
        raise RuleProblem(f"{label}：{ACTIONS[action]}不适用于{kind}")
    if action == "withholding":
        percent = _number(item.get("percent"))
        if percent is None or not 0 < percent <= 100:
            raise RuleProblem(f"{label}：扣留比例percent应为大于0、不超过100的数")
    if action == "fee_factor":
        factor = _number(item.get("factor"))
        if factor is None or not 0 <= factor <= MAX_FACTOR:
            raise RuleProblem(f"{label}：考核系数factor应在0到{MAX_FACTOR}之间")


def check_bands(kind: str, bands) -> None:
    """Raise :class:`RuleProblem` unless ``bands`` is a valid band list for ``kind``."""
    if not isinstance(bands, list) or not bands:
        raise RuleProblem(f"{kind}的档次应为非空列表")
    previous: Decimal | None = None
    for index, band in enumerate(bands, start=1):
        label = f"{kind}第{index}档"
        if not isinstance(band, dict):
            raise RuleProblem(f"{label}应为对象")
        if "below" in band:
            below = _number(band["below"])
            if below is None or not 0 < below <= 100:
                raise RuleProblem(f"{label}的below应为0到100之间的分数")
            if previous is not None and below <= previous:
                raise RuleProblem(f"{label}的below应大于上一档（各档按分数由低到高排列）")
            previous = below
        elif index != len(bands):
            raise RuleProblem(f"{label}缺少below（只有最后一档可以省略，表示其余分数）")
        items = band.get("consequences")
        if not isinstance(items, list) or not items:
            raise RuleProblem(f"{label}的consequences应为非空列表")
        seen: set[str] = set()
        for item in items:
            _check_consequence(kind, label, item)
            if item["action"] in seen:
                raise RuleProblem(f"{label}的{ACTIONS[item['action']]}重复")
            seen.add(item["action"])


def band_for(bands: list[dict], score: Decimal) -> dict | None:
    """The band a score falls in: the first whose ``below`` it is under, or the open last."""
    for band in bands:
        if "below" not in band or score < Decimal(str(band["below"])):
            return band
    return None


def band_label(band: dict, bands: list[dict]) -> str:
    """The band in words: "低于70分", "70分至80分以下" or "90分及以上"."""
    index = bands.index(band)
    low = bands[index - 1]["below"] if index else None
    high = band.get("below")
    if high is None:
        return f"{low:g}分及以上" if low is not None else "任何分数"
    if low is None:
        return f"低于{high:g}分"
    return f"{low:g}分至{high:g}分以下"


def share(base_fen: int, percent: Decimal | float | int) -> int:
    """``percent`` of ``base_fen``, half-up to the fen."""
    value = Decimal(base_fen) * Decimal(str(percent)) / 100
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def scaled(base_fen: int, factor: Decimal | float | int) -> int:
    """``base_fen`` times ``factor``, half-up to the fen."""
    value = Decimal(base_fen) * Decimal(str(factor))
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
