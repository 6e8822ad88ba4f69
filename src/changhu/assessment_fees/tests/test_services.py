"""Computing a month (per place and outcome, the appeal rule, cases ended on site, catch-up and
never twice), the refusals, approval by another person, payment posted once to the fund."""

from __future__ import annotations

import datetime as dt

import pytest

from changhu.assessment_fees import services
from changhu.assessment_fees.models import FeeLine, FeeRun, StatementStatus
from changhu.assessment_fees.tests.conftest import conclude, ended_on_site, in_month
from changhu.core import clock, months
from changhu.core.audit import AuditEntry
from changhu.core.errors import Conflict, PermissionDenied, ValidationFailed
from changhu.fund.models import Account, Entry, EntryKind, Posting

pytestmark = pytest.mark.django_db


def lines_by_person(run) -> dict[str, FeeLine]:
    return {x.person.name: x for x in FeeLine.objects.filter(statement__run=run)}


def test_fees_per_place_and_outcome(users, people, orgs, second, fee_tables, month):
    day = in_month(month, 5)
    conclude(people.jinjiang, on=day, place="home")
    old = conclude(people.qingyang, on=dt.date(2021, 1, 4))  # before any fee table
    conclude(people.qingyang, on=day, place="institution", kind="periodic", previous=old)
    first = conclude(people.wuhou, on=in_month(month, 1), institution=second.org)
    conclude(people.wuhou, on=day, kind="spot_check", previous=first, institution=second.org)
    ended_on_site(people.qingyang, on=day, institution=orgs.assessment, place="institution")

    run = services.run_compute(actor=users.worker_a, month=month)

    statements = {s.institution_id: s for s in run.statements.all()}
    mine, theirs = statements[orgs.assessment.pk], statements[second.org.pk]
    got = sorted(
        (x.outcome, x.place, x.fee_fen, x.fund_fen) for x in FeeLine.objects.filter(statement=mine)
    )
    assert got == [
        ("initial", "home", 30000, 30000),
        ("reassessment", "institution", 25000, 25000),
        ("terminated", "institution", 8000, 8000),
    ]
    assert (mine.case_count, mine.fee_fen, mine.fund_fen) == (3, 63000, 63000)
    assert (theirs.case_count, theirs.fee_fen) == (2, 60000)
    assert (run.case_count, run.fee_fen, run.fund_fen) == (5, 123000, 123000)
    assert mine.status == StatementStatus.DRAFT and mine.number.startswith("PGF")
    assert all(x.fee_table.version == "2021.1" for x in FeeLine.objects.all())
    assert AuditEntry.objects.filter(object_type="assessment_fees.feerun", action="create").exists()


@pytest.mark.parametrize(
    ("new_grade", "applicant", "fund", "changed"),
    [(3, 0, 20000, True), (4, 20000, 0, False)],
)
def test_appeal_fee_follows_the_assessment_rules(
    users, people, fee_tables, month, new_grade, applicant, fund, changed
):
    previous = conclude(people.jinjiang, on=in_month(month, 1), grade=4)
    conclude(
        people.jinjiang,
        on=in_month(month, 20),
        kind="appeal",
        previous=previous,
        grade=new_grade,
        applicant_fen=applicant,
    )
    run = services.run_compute(actor=users.worker_a, month=month)
    appeal = FeeLine.objects.get(statement__run=run, outcome="appeal")
    # the amount is the rules' appeal fee for the place (200 yuan at home), not the table's
    assert (appeal.fee_fen, appeal.applicant_fen, appeal.fund_fen) == (20000, applicant, fund)
    assert appeal.grade_changed is changed and appeal.rules_id == previous.rules_id
    statement = appeal.statement
    assert statement.applicant_fen == applicant
    assert statement.fund_fen == 30000 + fund


def test_a_case_is_paid_once_and_late_ones_are_caught_up(users, people, fee_tables, month):
    earlier = months.key(months.shift(month, -1))
    conclude(people.jinjiang, on=in_month(earlier, 10))
    first = services.run_compute(actor=users.worker_a, month=earlier)
    assert first.case_count == 1
    conclude(people.qingyang, on=in_month(month, 3))
    # recorded late: concluded in the earlier month, but after its run
    conclude(people.wuhou, on=in_month(earlier, 28))
    run = services.run_compute(actor=users.worker_a, month=month)
    assert set(lines_by_person(run)) == {people.qingyang.name, people.wuhou.name}
    assert FeeLine.objects.count() == 3


def test_cases_after_the_month_wait_for_their_own(users, people, fee_tables, month):
    conclude(people.jinjiang, on=clock.today())  # this month
    with pytest.raises(Conflict) as caught:
        services.run_compute(actor=users.worker_a, month=month)
    assert caught.value.code == "no_fee_cases"
    assert not FeeRun.objects.exists()


def test_refusals_of_a_run(users, people, fee_tables, month):
    conclude(people.jinjiang, on=in_month(month, 2))
    for bad, code in [("2026-13", "month_invalid"), ("", "month_invalid")]:
        with pytest.raises(ValidationFailed) as caught:
            services.run_compute(actor=users.worker_a, month=bad)
        assert caught.value.code == code and caught.value.fields.get("month")
    future = months.key(months.shift(clock.today(), 1))
    with pytest.raises(ValidationFailed) as caught:
        services.run_compute(actor=users.worker_a, month=future)
    assert caught.value.code == "month_in_future"
    with pytest.raises(PermissionDenied):
        services.run_compute(actor=users.assessor, month=month)
    services.run_compute(actor=users.worker_a, month=month)
    with pytest.raises(Conflict) as caught:
        services.run_compute(actor=users.worker_a, month=month)
    assert caught.value.code == "run_exists"


def test_no_fee_table_loaded(users, people, month):
    conclude(people.jinjiang, on=in_month(month, 2))
    with pytest.raises(Conflict) as caught:
        services.run_compute(actor=users.worker_a, month=month)
    assert caught.value.code == "fee_table_missing"


def test_preview_stores_nothing(users, people, fee_tables, month):
    conclude(people.jinjiang, on=in_month(month, 2), place="institution")
    preview = services.run_preview(actor=users.worker_a, month=month)
    assert (preview.cases, preview.fee_fen, preview.fund_fen) == (1, 25000, 25000)
    assert preview.rows[0].institution == "成都市第一评估中心"
    assert not FeeRun.objects.exists()


@pytest.fixture
def run(users, people, fee_tables, month):
    conclude(people.jinjiang, on=in_month(month, 2))
    conclude(people.qingyang, on=in_month(month, 3), place="institution")
    return services.run_compute(actor=users.worker_a, month=month)


def test_approve_then_pay_posts_a_fee_expense_once(users, run):
    statement = run.statements.get()
    with pytest.raises(Conflict) as caught:
        services.statement_pay(actor=users.bureau_admin, statement_id=statement.pk, reference="Z1")
    assert caught.value.code == "statement_not_approved"
    services.statement_approve(actor=users.supervisor_a, statement_id=statement.pk, note="已核")
    with pytest.raises(Conflict) as caught:
        services.statement_approve(actor=users.bureau_admin, statement_id=statement.pk)
    assert caught.value.code == "statement_not_draft"
    with pytest.raises(ValidationFailed) as caught:
        services.statement_pay(actor=users.bureau_admin, statement_id=statement.pk, reference=" ")
    assert caught.value.code == "reference_required"
    with pytest.raises(PermissionDenied):
        services.statement_pay(actor=users.supervisor_a, statement_id=statement.pk, reference="Z")
    paid = services.statement_pay(
        actor=users.bureau_admin, statement_id=statement.pk, reference="ZF-001"
    )
    assert paid.status == StatementStatus.PAID and paid.payment_reference == "ZF-001"
    entry = Entry.objects.get(source_type="assessment_fees.statement", source_id=str(paid.pk))
    assert paid.entry_id == entry.pk
    assert entry.kind == EntryKind.FEE and entry.period == run.month
    postings = {(p.account, p.debit_fen, p.credit_fen) for p in Posting.objects.filter(entry=entry)}
    assert postings == {(Account.FEE, 55000, 0), (Account.BANK, 0, 55000)}
    with pytest.raises(Conflict):
        services.statement_pay(actor=users.bureau_admin, statement_id=paid.pk, reference="again")
    assert Entry.objects.filter(source_type="assessment_fees.statement").count() == 1


def test_approving_needs_the_review_right(users, run):
    with pytest.raises(PermissionDenied):
        services.statement_approve(actor=users.worker_a, statement_id=run.statements.get().pk)


def test_the_same_person_rule(users, people, fee_tables, month):
    conclude(people.jinjiang, on=in_month(month, 2))
    run = services.run_compute(actor=users.supervisor_a, month=month)
    with pytest.raises(Conflict) as caught:
        services.statement_approve(actor=users.supervisor_a, statement_id=run.statements.get().pk)
    assert caught.value.code == "same_person"


def test_a_statement_paying_nothing_records_no_entry(users, people, fee_tables, month):
    # the first conclusion predates every fee table: not a fee of this system
    previous = conclude(people.jinjiang, on=dt.date(2021, 1, 4), grade=4)
    conclude(
        people.jinjiang,
        on=in_month(month, 9),
        kind="appeal",
        previous=previous,
        grade=4,
        applicant_fen=20000,
    )
    run = services.run_compute(actor=users.worker_a, month=month)
    statement = run.statements.get()
    assert (statement.fee_fen, statement.applicant_fen, statement.fund_fen) == (20000, 20000, 0)
    services.statement_approve(actor=users.supervisor_a, statement_id=statement.pk)
    paid = services.statement_pay(
        actor=users.bureau_admin, statement_id=statement.pk, reference="-"
    )
    assert paid.status == StatementStatus.PAID and paid.entry_id is None
    assert not Entry.objects.filter(source_type="assessment_fees.statement").exists()


def test_discard_lets_the_month_be_computed_again(users, run, month):
    with pytest.raises(ValidationFailed) as caught:
        services.run_discard(actor=users.worker_a, run_id=run.pk, reason="")
    assert caught.value.code == "reason_required"
    assert services.run_discard(actor=users.worker_a, run_id=run.pk, reason="补录结论") == month
    assert not FeeLine.objects.exists()
    again = services.run_compute(actor=users.worker_a, month=month)
    statement = again.statements.get()
    services.statement_approve(actor=users.supervisor_a, statement_id=statement.pk)
    with pytest.raises(Conflict) as caught:
        services.run_discard(actor=users.worker_a, run_id=again.pk, reason="再算")
    assert caught.value.code == "run_reviewed"
