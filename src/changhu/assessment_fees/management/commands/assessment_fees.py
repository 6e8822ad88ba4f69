"""``changhu assessment-fees --month YYYY-MM [--city CODE] [--as USER] [--preview]``: compute
a city's assessment fees of a month (one statement per assessment institution) as the given
user (their right and scope apply), or only show what it would settle. A refusal prints its
code and message."""

from __future__ import annotations

from changhu.assessment_fees import services
from changhu.core.commands import CliCommand, acting_user
from changhu.core.money import format_yuan


class Command(CliCommand):
    help = "计算一个月的评估费用（每家评估机构一张结算单），或用 --preview 只查看待结算案件"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="结算月份，YYYY-MM")
        parser.add_argument("--as", dest="username", help="以该用户身份计算（默认唯一的超级用户）")
        parser.add_argument(
            "--city", default="", help="统筹地区（区划代码前四位），默认为用户所在地区"
        )
        parser.add_argument("--preview", action="store_true", help="只查看，不计算")

    def run(self, *args, month, city="", username=None, preview=False, **options):
        actor = acting_user(username, doing="计算评估费用")
        if preview:
            result = services.run_preview(actor=actor, month=month, city=city)
            yield f"{result.month}: {result.cases} cases, fund {format_yuan(result.fund_fen)} yuan"
            for row in result.rows:
                yield f"  {row.institution}: {row.cases} cases, fund {format_yuan(row.fund_fen)}"
            return
        run = services.run_compute(actor=actor, month=month, city=city)
        yield f"{run.month}: {run.case_count} cases, fund {format_yuan(run.fund_fen)} yuan"
        for s in run.statements.select_related("institution").order_by("number"):
            yield (
                f"  {s.number} {s.institution.name}: {s.case_count} cases, "
                f"fee {format_yuan(s.fee_fen)}, fund {format_yuan(s.fund_fen)}"
            )
