"""Demo assessment fees: this month's fees computed for the demo's concluded cases (by the
insurer's case worker), the first institution's statement approved and paid by the bureau (a
fund expense), the others left for review. Idempotent: once the month's run exists it changes
nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from changhu.core import clock, context


@dataclass
class FeesDemoReport:
    done: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return self.done


def seed_assessment_fees_demo() -> FeesDemoReport:
    from changhu.assessment_fees import services, tables
    from changhu.assessment_fees.models import FeeRun, FeeTableVersion
    from changhu.core.errors import Conflict
    from changhu.core.money import format_yuan
    from changhu.orgs.models import User

    month = clock.this_month()
    if FeeRun.objects.filter(month=month).exists():
        return FeesDemoReport([f"{month}评估费用演示数据已存在"])
    if not FeeTableVersion.objects.exists():
        tables.load_fee_tables()
    active = User.objects.filter(is_active=True)
    worker = active.filter(username="caseworker").first()
    bureau = active.filter(role="bureau_admin").order_by("pk").first()
    if worker is None or bureau is None:
        return FeesDemoReport(["没有经办人员或医保局账号，未生成评估费用数据"])
    token = context.set_current(context.ActorContext(channel="cli"))
    try:
        try:
            run = services.run_compute(actor=worker, month=month)
        except Conflict as exc:
            return FeesDemoReport([f"未计算评估费用：{exc.message}"])
        report = FeesDemoReport(
            [
                f"{month}评估费用：{run.statements.count()}张结算单，{run.case_count}件，"
                f"基金支付{format_yuan(run.fund_fen)}元"
            ]
        )
        first = run.statements.order_by("pk").first()
        services.statement_approve(actor=bureau, statement_id=first.pk, note="演示：已核对")
        services.statement_pay(actor=bureau, statement_id=first.pk, reference=f"ZF{month}-001")
        report.done.append(f"{first.institution.name}的结算单已审核并支付")
    finally:
        context.reset(token)
    return report
