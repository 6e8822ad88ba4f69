"""Demo scorecards: the last ended quarter's care-institution cards, with on-site points that a
bureau inspector entered for the first institution (a small PDF as the evidence), and the
quarter under way so far; the cards of the month before last (the month the settlement demo
paid), whose scores call for consequences under the shipped rules, one withholding of which the
bureau confirmed, so that last month's settlement carries the deduction."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from changhu.core import clock, months
from changhu.scorecards import compute, consequences, periods, services
from changhu.scorecards.models import ConsequenceAction, ConsequenceProposal

DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


class _Evidence(io.BytesIO):
    name = "现场检查记录.pdf"


@dataclass
class ScorecardsDemoReport:
    done: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return self.done


def seed_scorecards_demo() -> ScorecardsDemoReport:
    from changhu.orgs.models import User

    quarter = periods.last_complete_quarter(clock.today())
    inspector = User.objects.filter(role="bureau_admin", is_active=True).order_by("pk").first()
    run = compute.compute_run(kind="care-institution", period=quarter.key, actor=inspector)
    lines = [f"{run}：{run.organizations}家机构"]
    # The quarter under way, so that the demo's recent visits, complaints and surveys show.
    current = quarter.shift(1)
    running = compute.compute_run(kind="care-institution", period=current.key, actor=inspector)
    lines.append(f"{running}（进行中）：{running.organizations}家机构")
    first = run.cards.order_by("organization__name").first()
    if inspector is not None and first is not None:
        services.manual_score_enter(
            actor=inspector,
            kind="care-institution",
            period=quarter.key,
            organization_id=first.organization_id,
            indicator_code="inspection_points",
            points="13.5",
            reason="现场检查：护理记录完整，消防通道有杂物堆放扣1.5分",
            evidence=_Evidence(DEMO_PDF),
        )
        lines.append(f"{first.organization.name}现场检查得分已录入")
    lines += _consequences_demo(inspector)
    return ScorecardsDemoReport(lines)


def _consequences_demo(bureau) -> list[str]:
    """The month before last: its cards, the proposals they call for, and one withholding
    confirmed into the next settlement that will still take it (idempotent)."""
    paid_month = months.key(months.shift(clock.today(), -2))
    run = compute.compute_run(kind="care-institution", period=paid_month, actor=bureau)
    waiting = ConsequenceProposal.objects.filter(kind=run.kind, period=run.period)
    lines = [f"{run}：{waiting.count()}条考核处理建议"]
    if bureau is None or waiting.filter(adjustment__isnull=False).exists():
        return lines
    candidates = waiting.filter(
        action=ConsequenceAction.WITHHOLDING, status="proposed", amount_fen__gt=0
    ).order_by("organization__name")
    for proposal in candidates:
        target = consequences.next_period(proposal)
        if target is None:
            continue
        done = services.consequence_confirm(actor=bureau, proposal_id=proposal.pk)
        lines.append(f"{proposal.organization.name}：{done.outcome}")
        break
    return lines
