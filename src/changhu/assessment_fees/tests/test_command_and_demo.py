"""``changhu assessment-fees`` and the demo seeder."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from changhu.assessment_fees.demo import seed_assessment_fees_demo
from changhu.assessment_fees.models import FeeRun, StatementStatus
from changhu.assessment_fees.tests.conftest import conclude, in_month
from changhu.core import clock
from changhu.fund.models import Entry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run_command(*args) -> str:
    out = StringIO()
    call_command("assessment_fees", *args, stdout=out)
    return out.getvalue()


def test_the_command_previews_then_computes(users, people, fee_tables, month):
    conclude(people.jinjiang, on=in_month(month, 6), place="institution")
    out = run_command("--month", month, "--as", "worker_a", "--preview")
    assert "1 cases, fund 250.00 yuan" in out and not FeeRun.objects.exists()
    out = run_command("--month", month, "--as", "worker_a")
    assert f"{month}: 1 cases" in out and "成都市第一评估中心" in out
    assert FeeRun.objects.get().city_code == "5101"
    with pytest.raises(CommandError, match="run_exists"):
        run_command("--month", month, "--as", "worker_a")
    with pytest.raises(CommandError, match="month_invalid"):
        run_command("--month", "202611", "--as", "worker_a")


def test_the_demo_settles_this_month_once(users, orgs, people, fee_tables):
    UserFactory(username="caseworker", role="insurer_case_worker", organization=orgs.insurer_a)
    conclude(people.jinjiang, on=clock.today())
    conclude(people.wuhou, on=clock.today(), place="institution")
    report = seed_assessment_fees_demo()
    run = FeeRun.objects.get(month=clock.this_month())
    assert "2件" in report.lines()[0] and "已审核并支付" in report.lines()[1]
    statement = run.statements.get()
    assert statement.status == StatementStatus.PAID
    assert Entry.objects.filter(source_type="assessment_fees.statement").count() == 1
    assert seed_assessment_fees_demo().lines() == [f"{run.month}评估费用演示数据已存在"]
    assert FeeRun.objects.count() == 1
