"""Consequences of a score: the rule sets as versioned data
(``presets/scorecards/consequences/*.json`` into :class:`ConsequenceRuleSet`), the proposals a
computed run calls for, and what confirming each one will do, in words.

The bands and the consequences they call for are read by :mod:`consequence_rules` (pure); the
confirmations themselves are services (:func:`changhu.scorecards.services.consequence_confirm`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from django.db.models import Sum

from changhu.core import audit, clock, versions
from changhu.core.errors import ValidationFailed
from changhu.core.money import format_yuan
from changhu.scorecards import consequence_rules as rules
from changhu.scorecards import periods
from changhu.scorecards.models import (
    ConsequenceAction,
    ConsequenceProposal,
    ConsequenceRuleSet,
    ConsequenceStatus,
    ScorecardKind,
    ScorecardRun,
)


class ConsequenceRulesInvalid(ValidationFailed):
    code = "preset_invalid"
    message = "考核结果运用规则文件有误"


def rules_dir() -> Path:
    return versions.presets_dir("scorecards") / "consequences"


def _invalid(path: Path, problem: str) -> ConsequenceRulesInvalid:
    return versions.file_refusal(
        ConsequenceRulesInvalid, f"考核结果运用规则文件{path.name}有误：{problem}"
    )


def read_rules_file(path: Path) -> dict:
    """Parse and check a rule file: its header, and each kind's bands and consequences."""
    path = Path(path)
    raw = versions.read_json(path, lambda why: _invalid(path, f"无法读取JSON（{why}）"))
    if not isinstance(raw, dict):
        raise _invalid(path, "内容应为JSON对象")
    for key in ("code", "version", "name", "effective_from", "kinds"):
        if key not in raw:
            raise _invalid(path, f"缺少字段{key}")
    try:
        dt.date.fromisoformat(str(raw["effective_from"]))
    except ValueError:
        raise _invalid(path, "effective_from应为YYYY-MM-DD格式的日期") from None
    kinds = raw["kinds"]
    if not isinstance(kinds, dict) or not kinds:
        raise _invalid(path, "kinds应为非空对象")
    for kind, bands in kinds.items():
        if kind not in ScorecardKind.values:
            raise _invalid(path, f"考核对象{kind}不存在，应为{'/'.join(ScorecardKind.values)}")
        try:
            rules.check_bands(kind, bands)
        except rules.RuleProblem as problem:
            raise _invalid(path, str(problem)) from None
    return raw


def load_rules_file(path: Path) -> tuple[ConsequenceRuleSet, bool]:
    raw = read_rules_file(path)
    stored = versions.store_version(
        ConsequenceRuleSet,
        code=raw["code"],
        version=str(raw["version"]),
        digest=versions.checksum(raw),
        fields={
            "name": raw["name"],
            "effective_from": dt.date.fromisoformat(raw["effective_from"]),
            "kinds": raw["kinds"],
            "source": raw.get("source", "")[:500],
        },
        noun="考核结果运用规则",
        changed_code="preset_version_changed",
        taken_code="preset_version_changed",
    )
    return stored.row, stored.created


def load_all_rule_sets(directory: Path | None = None) -> list[str]:
    """Load every shipped consequence rule file; one line per file."""
    results = versions.load_files(versions.files_in(directory or rules_dir()), load_rules_file)
    return [f"{row}：{'已加载' if created else '未变化'}" for row, created in results]


def rules_on(day: dt.date) -> ConsequenceRuleSet | None:
    """The consequence rules in force on ``day`` (loading the shipped ones if none is stored)."""
    if not ConsequenceRuleSet.objects.exists():
        load_all_rule_sets()
    return versions.in_force(ConsequenceRuleSet.objects.all(), day)


# --- proposals ------------------------------------------------------------------------------


def deposit_bases(period: periods.Period) -> dict[int, int]:
    """The base a withholding is a share of, per organization (one query): the fund payment to
    each institution computed for the months of the scored period (its payable lines paid to
    the institution, in fen)."""
    from changhu.settlement.models import ClaimLine, LineSource

    rows = (
        ClaimLine.objects.filter(
            period__month__in=period.months,
            status="payable",
            payee_kind="institution",
            source=LineSource.COMPUTED,
        )
        .values("institution__organization_id")
        .annotate(s=Sum("fund_fen"))
    )
    return {row["institution__organization_id"]: int(row["s"] or 0) for row in rows}


def propose(run: ScorecardRun, *, actor=None) -> int:
    """Replace the run's proposals still waiting with those its scores call for under the rules
    in force on the period's last day; decided proposals stay and are not proposed again. A
    period that has not ended yet gets none."""
    period = periods.parse(run.period)
    waiting = ConsequenceProposal.objects.filter(
        kind=run.kind, period=run.period, status=ConsequenceStatus.PROPOSED
    )
    waiting.delete()
    if period.last >= clock.today():
        return 0  # a period under way has no final score to act on
    rule_set = rules_on(period.last)
    bands = (rule_set.kinds.get(run.kind) if rule_set else None) or []
    if not bands:
        return 0
    decided = set(
        ConsequenceProposal.objects.filter(kind=run.kind, period=run.period).values_list(
            "organization_id", "action"
        )
    )
    created = []
    withholds = any(
        item["action"] == ConsequenceAction.WITHHOLDING
        for band in bands
        for item in band["consequences"]
    )
    bases = deposit_bases(period) if withholds else {}
    for card in run.cards.select_related("organization"):
        band = rules.band_for(bands, card.score)
        if band is None:
            continue
        label = rules.band_label(band, bands)
        for item in band["consequences"]:
            if (card.organization_id, item["action"]) in decided:
                continue
            proposal = ConsequenceProposal(
                rule_set=rule_set,
                organization=card.organization,
                kind=run.kind,
                period=run.period,
                region_code=card.region_code,
                score=card.score,
                band=label,
                action=item["action"],
            )
            if item["action"] == ConsequenceAction.WITHHOLDING:
                proposal.percent = Decimal(str(item["percent"]))
                proposal.base_fen = bases.get(card.organization_id, 0)
                proposal.amount_fen = rules.share(proposal.base_fen, proposal.percent)
            if item["action"] == ConsequenceAction.FEE_FACTOR:
                proposal.factor = Decimal(str(item["factor"]))
            created.append(proposal)
    ConsequenceProposal.objects.bulk_create(created)
    if created:
        audit.record(
            action="create",
            obj=run,
            user=actor,
            note=f"{run}：按{rule_set}提出{len(created)}条考核处理建议",
        )
    return len(created)


# --- in words -------------------------------------------------------------------------------


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}%"


def _factor(value: Decimal) -> str:
    return f"{value.normalize():f}"


def score_words(p: ConsequenceProposal) -> str:
    """ "2026年第3季度考核得分72分" (the score without trailing zeros)."""
    return f"{periods.parse(p.period).label}考核得分{p.score.normalize():f}分"


def withholding_reason(p: ConsequenceProposal) -> str:
    """The settlement line's reason: it explains itself on the claim and the statement."""
    return (
        f"{score_words(p)}（{p.band}），按考核结果运用规则扣留质量保证金{_percent(p.percent)}："
        f"以该考核期基金支付{format_yuan(p.base_fen)}元为基数，扣留{format_yuan(p.amount_fen)}元"
    )


def effect(p: ConsequenceProposal, *, target=None) -> str:
    """What confirming the proposal will do, exactly (the confirmation dialog says it)."""
    name = p.organization.name
    why = f"{score_words(p)}（{p.band}）"
    action = p.action
    if action == ConsequenceAction.WARNING:
        return f"{why}：向{name}发出警告，记入考核处理记录，该机构在其考核页面可见。"
    if action == ConsequenceAction.INTERVIEW:
        return f"{why}：约谈{name}负责人，记入考核处理记录，该机构在其考核页面可见。"
    if action == ConsequenceAction.WITHHOLDING:
        if not p.amount_fen:
            return f"{why}：该考核期{name}没有基金支付，扣留金额为0元，只记录不扣款。"
        where = f"{target.month}结算中" if target else "下一个未拨付的结算期中"
        return (
            f"{why}：在{where}从{name}的申报扣留质量保证金{_percent(p.percent)}，"
            f"即以该考核期基金支付{format_yuan(p.base_fen)}元为基数扣款"
            f"{format_yuan(p.amount_fen)}元（结算明细中记为机构扣款）。"
        )
    if action == ConsequenceAction.SUSPENSION:
        return (
            f"{why}：自今日起暂停{name}新增服务对象（机构状态改为“暂停”），"
            "已有服务对象的服务不受影响。"
        )
    if action == ConsequenceAction.TERMINATION:
        return (
            f"{why}：自今日起解除与{name}的服务协议（机构状态改为“终止”，协议于今日终止），"
            "其服务对象须转移到其他机构。此操作不可撤销。"
        )
    return (
        f"{why}：{name}本考核期的经办服务费按考核系数{_factor(p.factor)}核定，"
        f"即合同约定的经办服务费×{_factor(p.factor)}，记入基金经办服务费支出。"
    )


def next_period(p: ConsequenceProposal):
    """The settlement a withholding will go into (None: no open period yet)."""
    from changhu.providers.models import Institution
    from changhu.settlement import adjustments

    institution = Institution.all_kinds.filter(organization_id=p.organization_id).first()
    if institution is None:
        return None
    last_month = periods.parse(p.period).months[-1]
    return adjustments.deduction_period(institution_id=institution.pk, after_month=last_month)
