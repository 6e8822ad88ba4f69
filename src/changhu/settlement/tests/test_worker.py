"""``changhu worker`` does what the pages queue: a screening run and a settlement run started
from the web views stay queued (no thread of the web process runs them) until the worker's
once-loop executes them; then their progress rows show 100 % and stop polling."""

from __future__ import annotations

import threading
from io import StringIO

from django.core.management import call_command
from django.test import Client

from changhu.settlement.models import RunStatus, SettlementRun
from changhu.settlement.tests.conftest import MONTH
from changhu.visits.models import RunStatus as ScreeningStatus
from changhu.visits.models import ScreeningRun


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_runs_queued_from_the_pages_wait_for_the_worker(
    world, month, django_capture_on_commit_callbacks
):
    supervisor = _client(world.users.supervisor_a)
    opened = supervisor.post(
        "/settlement/periods/", {"month": MONTH, "region_code": "510100", "policy_code": "chengdu"}
    )
    period_id = int(opened.url.rstrip("/").split("/")[-1])
    threads = threading.active_count()
    with django_capture_on_commit_callbacks(execute=True):
        screened = supervisor.post("/visits/screening/", {"period": MONTH})
        started = supervisor.post(f"/settlement/periods/{period_id}/run/", HTTP_HX_REQUEST="true")
    assert screened.status_code == 302 and started.status_code == 200
    assert threading.active_count() == threads  # the web request started nothing
    screening = ScreeningRun.objects.get(period=MONTH)
    settlement = SettlementRun.objects.get(period_id=period_id)
    assert screening.status == ScreeningStatus.QUEUED and settlement.status == RunStatus.QUEUED

    row = supervisor.get(f"/visits/screening/{screening.pk}/").content.decode()
    assert "every 2s" in row and "等待后台任务处理" in row
    bar = supervisor.get(f"/settlement/runs/{settlement.pk}/").content.decode()
    assert "every 2s" in bar and "等待后台任务处理" in bar

    out, err = StringIO(), StringIO()
    call_command("worker", "--once", "--workers", "1", stdout=out, stderr=err)
    assert err.getvalue() == ""
    assert f"{MONTH}稽核" in out.getvalue() and f"{MONTH}结算计算" in out.getvalue()

    screening.refresh_from_db()
    settlement.refresh_from_db()
    assert screening.status == ScreeningStatus.DONE and settlement.status == RunStatus.DONE
    row = supervisor.get(f"/visits/screening/{screening.pk}/").content.decode()
    assert "100%" in row and "every 2s" not in row
    bar = supervisor.get(f"/settlement/runs/{settlement.pk}/").content.decode()
    assert "100%" in bar and "every 2s" not in bar
    page = supervisor.get(f"/settlement/periods/{period_id}/").content.decode()
    assert 'data-testid="claim-row"' in page


def test_a_stopped_worker_puts_the_run_back_in_the_queue(world, month):
    """SIGTERM halfway (honcho, systemd): the run goes back to the queue and the next loop
    resumes it from the chunks not yet done."""
    from changhu.core import jobs
    from changhu.core.worker import Worker, WorkerStopped
    from changhu.settlement import services

    period = services.period_open(
        actor=world.users.bureau_admin, month=MONTH, region_code="510100", policy_code="chengdu"
    )
    run = services.run_request(actor=world.users.bureau_admin, period_id=period.pk)
    worker = Worker(out=lambda line: None, err=lambda line: None)
    queue = next(q for q in jobs.queues() if q.name == "settlement.runs")

    def stopped(item, options):
        def halt(done: int, total: int) -> None:
            if done:  # after the first chunk, as a SIGTERM would
                raise WorkerStopped()

        return services.run_execute(item, progress=halt)

    jobs.register_queue(
        queue.name, label=queue.label, claim=queue.claim, execute=stopped, release=queue.release
    )
    try:
        try:
            worker.run_queues()
        except WorkerStopped:
            pass
        else:
            raise AssertionError("the stop must reach the loop")
    finally:
        jobs.register_queue(
            queue.name,
            label=queue.label,
            claim=queue.claim,
            execute=queue.execute,
            release=queue.release,
        )
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and run.error == ""
    assert 0 < run.done_chunks < run.total_chunks
    worker.run(once=True)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.percent == 100
