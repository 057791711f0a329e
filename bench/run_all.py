"""Run every bench script in this folder and print their numbers (`make bench`).

Each script is standalone (`python bench/<name>.py`) and prints its own numbers; this runner only calls
them in turn so one command gives the whole picture. Scripts that need the demo data say so and exit.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(p for p in HERE.glob("bench_*.py"))
    only = set(sys.argv[1:])
    failed = []
    for script in scripts:
        if only and script.stem not in only:
            continue
        print(f"\n=== {script.stem} ===", flush=True)
        started = time.monotonic()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        print(f"--- {script.stem}: exit {result.returncode} in {time.monotonic() - started:.1f} s", flush=True)
        if result.returncode:
            failed.append(script.stem)
    if failed:
        print(f"\nFailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
