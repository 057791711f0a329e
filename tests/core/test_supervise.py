"""bin/supervise restarts a crashed process (a Dramatiq master whose worker child the OS killed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUPERVISE = ROOT / "bin" / "supervise"


def _supervise(*command: str, max_restarts: int | None = None, **popen) -> subprocess.Popen:
    environ = {**os.environ, "SUPERVISE_BACKOFF": "0", "PYTHONPATH": str(ROOT)}
    if max_restarts is not None:
        environ["SUPERVISE_MAX_RESTARTS"] = str(max_restarts)
    return subprocess.Popen([str(SUPERVISE), "test", *command], env=environ, cwd=ROOT, text=True, **popen)


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_a_process_killed_by_the_os_is_started_again_until_the_limit(tmp_path):
    runs = tmp_path / "runs"
    crash = f"echo run >> {runs}; kill -KILL $$"
    supervisor = _supervise("sh", "-c", crash, max_restarts=2, stderr=subprocess.PIPE)
    _, stderr = supervisor.communicate(timeout=60)
    assert runs.read_text().count("run") == 3  # the first run and two restarts
    assert supervisor.returncode == 128 + signal.SIGKILL
    assert "giving up after 2 restarts" in stderr


@pytest.mark.parametrize("crashes", [0, 1, 3])
def test_a_clean_exit_ends_supervision(tmp_path, crashes):
    runs = tmp_path / "runs"
    # Crash `crashes` times (a non-zero status), then exit cleanly.
    script = f'echo run >> {runs}; [ "$(wc -l < {runs})" -gt {crashes} ] && exit 0; exit 3'
    supervisor = _supervise("sh", "-c", script, max_restarts=10)
    assert supervisor.wait(timeout=60) == 0
    assert runs.read_text().count("run") == crashes + 1


def test_terminating_the_supervisor_stops_the_process_and_does_not_restart_it(tmp_path):
    stopped = tmp_path / "stopped"
    child = f"import signal, sys; signal.signal(signal.SIGTERM, lambda *a: (open({str(stopped)!r}, 'w').close(), sys.exit(1))); print('ready', flush=True); signal.pause()"
    supervisor = _supervise(sys.executable, "-c", child, stdout=subprocess.PIPE)
    assert supervisor.stdout.readline().strip() == "ready"
    supervisor.terminate()
    assert supervisor.wait(timeout=60) == 0
    assert stopped.exists()  # the process got the TERM and shut down, and was not started again


@pytest.mark.slow
def test_a_dramatiq_worker_whose_child_is_killed_is_restarted():
    dramatiq = str(Path(sys.executable).parent / "dramatiq")
    command = [dramatiq, "tests.core.supervised_broker", "--processes", "1", "--threads", "1"]
    supervisor = _supervise(*command, stderr=subprocess.PIPE)
    try:
        lines = iter(supervisor.stderr.readline, "")
        assert any("ready for action" in line for line in lines)
        (master,) = _children(supervisor.pid)
        worker = _children(master)[0]
        os.kill(worker, signal.SIGKILL)  # what the OOM killer does
        assert any("restart 1" in line for line in lines)  # Dramatiq's master exited; the supervisor noticed
        assert any("ready for action" in line for line in lines)  # a new master and worker are up
        (new_master,) = _children(supervisor.pid)
        assert new_master != master
    finally:
        supervisor.terminate()
        assert supervisor.wait(timeout=60) == 0
