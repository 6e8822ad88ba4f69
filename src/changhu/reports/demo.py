"""Demo reports: the bureau's monthly operations report for the last complete month, computed."""

from __future__ import annotations

from dataclasses import dataclass, field

from changhu.core import clock, months


@dataclass
class ReportsDemoReport:
    done: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return self.done


def seed_reports_demo() -> ReportsDemoReport:
    from changhu.orgs.models import User
    from changhu.reports import services
    from changhu.reports.models import ReportRun

    period = months.key(months.shift(clock.today(), -1))
    bureau = User.objects.filter(role="bureau_admin", is_active=True).order_by("pk").first()
    if bureau is None:
        return ReportsDemoReport(["没有医保局管理员，未生成统计报表"])
    done = ReportRun.objects.filter(
        definition__code="ltci-monthly", period=period, requested_by=bureau, status="done"
    ).first()
    if done is None:
        run = services.report_run_request(
            actor=bureau, code="ltci-monthly", period=period, source="demo"
        )
        done = services.run_execute(run)
    beneficiaries = done.result["summary"]["beneficiaries"]["total"]
    return ReportsDemoReport([f"{done}：享受待遇{beneficiaries}人"])
