"""Upkeep of the job system, sent by the scheduler (`manage.py crontab`)."""

from __future__ import annotations

import logging

import dramatiq
from dramatiq_crontab import cron

from .broker import purge_finished
from .jobs import jobs_sweep

log = logging.getLogger(__name__)


@cron("*/5 * * * *")
@dramatiq.actor(queue_name="default", max_retries=0)
def sweep_jobs() -> None:
    """Fail runs whose worker died, re-send queued jobs whose message was lost, drop week-old broker rows."""
    report = jobs_sweep()
    purged = purge_finished(days=7)
    if report.abandoned or report.resent or purged:
        log.info("jobs sweep: %s abandoned, %s re-sent, %s broker rows purged", report.abandoned, report.resent, purged)
