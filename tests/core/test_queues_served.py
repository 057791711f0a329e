"""Every Dramatiq actor's queue has a worker in `make run` and in `make worker`: a job sent to a queue no worker
reads would wait for ever (the fine-tune's "training" queue is served by its own low-priority worker)."""

from __future__ import annotations

import importlib
import re
from importlib.util import find_spec
from pathlib import Path

import dramatiq
import pytest
from django.apps import apps
from django.conf import settings


def _target(makefile: str, name: str) -> str:
    match = re.search(rf"^{name}:.*?(?=^\S|\Z)", makefile, re.MULTILINE | re.DOTALL)
    assert match, f"no {name} target"
    return match.group(0)


@pytest.mark.parametrize("target", ["run", "worker"])
def test_every_actor_queue_is_served_by_a_worker(target):
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text()
    served = {
        queue
        for queues in re.findall(r"--queues ((?:[\w-]+ ?)+)", _target(makefile, target))
        for queue in queues.split()
    }
    for app in apps.get_app_configs():  # every actor, as the worker's autodiscovery loads them
        if find_spec(f"{app.name}.tasks") is not None:
            importlib.import_module(f"{app.name}.tasks")
    actors = dramatiq.get_broker().actors.values()
    queues = {actor.queue_name for actor in actors}
    assert {"default", "ml", "imports", "training"} <= queues  # the tasks modules are loaded
    assert queues <= served, f"queues no worker of `make {target}` reads: {queues - served}"
    assert queues <= set(settings.DRAMATIQ_QUEUES) | {"default"}
