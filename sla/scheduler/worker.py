"""The scheduler: APScheduler runs the sweep every few seconds, the monev rollup and the mail outbox.

``aduan worker`` runs it in its own process (any number of them against one PostgreSQL); ``aduan run``
runs it inside the development server for the single-machine default. The first sweep runs at once,
so deadlines missed during downtime fire on start.
"""
from __future__ import annotations

import logging
import os
from datetime import datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from sla.scheduler.sweep import sweep
from workflows.complaints import kept
from workflows.db import transaction
from workflows.mail import delivery
from workflows.monev import rollup
from workflows.replay import service as replay
from workflows.service import Aduan

log = logging.getLogger(__name__)


def interval_seconds() -> float:
    return float(os.environ.get("ADUAN_SWEEP_SECONDS", 5))


def monev_seconds() -> float:
    return float(os.environ.get("ADUAN_MONEV_SECONDS", 60))


def _job(services: Aduan) -> None:
    try:
        result = sweep(services)
        if result.fired or result.failed:
            log.info("sweep: %s handled, %s failed %s", result.fired, result.failed, result.kinds)
    except Exception:  # keep the scheduler alive; the next sweep retries what is still pending
        log.exception("sweep failed")


def _monev_job(services: Aduan) -> None:
    try:
        result = rollup.refresh(services.sessions, services.clock())
        if result.pairs:
            log.info("monev: %s day rows rebuilt%s", result.pairs, " (full)" if result.full else "")
    except Exception:  # the next run rebuilds from the same watermark
        log.exception("monev refresh failed")


def mail_seconds() -> float:
    return float(os.environ.get("ADUAN_MAIL_SECONDS", 10))


def _mail_job(services: Aduan) -> None:
    try:
        with transaction(services.sessions) as db:  # files of refused forms are kept for a day (kept.py)
            kept.purge(db, services.clock())
        result = delivery.deliver_due(services.sessions, services.mail, services.clock())
        if result.sent or result.retried or result.failed or result.interrupted:
            log.info("mail: %s sent, %s to retry, %s failed, %s interrupted", result.sent, result.retried,
                     result.failed, result.interrupted)
    except Exception:  # the next run picks up what is still pending
        log.exception("mail delivery failed")


def replay_seconds() -> float:
    return float(os.environ.get("ADUAN_REPLAY_SECONDS", 15))


def _replay_job(services: Aduan) -> None:
    """Replays nobody started (asked for through the API by a tool, or their web process died): one at a time."""
    try:
        while replay.run_queued(services.sessions, services.registry, services.policy, services.clock) is not None:
            pass
    except Exception:  # the run keeps its failure; the next run of the job tries the next one
        log.exception("replay failed")


def _add(scheduler, services: Aduan, seconds: float) -> None:
    scheduler.add_job(_job, "interval", args=[services], seconds=seconds, id="sla-sweep",
                      max_instances=1, coalesce=True, next_run_time=datetime.now(timezone.utc))
    # The monitoring rollup (workflows.monev): the dashboards read it, so it follows within a minute.
    scheduler.add_job(_monev_job, "interval", args=[services], seconds=monev_seconds(), id="monev-refresh",
                      max_instances=1, coalesce=True, next_run_time=datetime.now(timezone.utc))
    # The outbox (workflows.mail): e-mail and gateway messages, with retries.
    scheduler.add_job(_mail_job, "interval", args=[services], seconds=mail_seconds(), id="mail-delivery",
                      max_instances=1, coalesce=True, next_run_time=datetime.now(timezone.utc))
    # What-if replays (workflows.replay) waiting for a worker.
    scheduler.add_job(_replay_job, "interval", args=[services], seconds=replay_seconds(), id="replay-runs",
                      max_instances=1, coalesce=True)


def start_background(services: Aduan, seconds: float | None = None) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(daemon=True)
    _add(scheduler, services, seconds or interval_seconds())
    scheduler.start()
    return scheduler


def run_forever(services: Aduan, seconds: float | None = None) -> None:
    scheduler = BlockingScheduler()
    _add(scheduler, services, seconds or interval_seconds())
    scheduler.start()
