"""Run the browser tests several times in a row while other processes keep every core busy.

    .venv/bin/python bench/e2e_under_load.py --runs 5 [--busy 2] [-- extra pytest arguments]

The browser tests wait on conditions (Playwright's auto-waiting expectations, generous limits),
never on fixed sleeps; this is how that is checked: a flaky wait shows up as a failed run when
the CPU is contended. Exit status 1 if any run failed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def burn() -> None:
    """A busy loop, like `stress --cpu 1`."""
    while True:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 2, help="busy processes (default: one a core)")
    parser.add_argument("pytest_args", nargs="*")
    args = parser.parse_args()
    burners = [multiprocessing.Process(target=burn, daemon=True) for _ in range(args.busy)]
    for process in burners:
        process.start()
    failures = 0
    try:
        for run in range(1, args.runs + 1):
            started = time.monotonic()
            result = subprocess.run([sys.executable, "-m", "pytest", "tests/e2e", "-q", "-p", "no:cacheprovider",
                                     *args.pytest_args], cwd=ROOT, env=os.environ | {"QUIZ_REQUIRE_E2E": "1"},
                                    capture_output=True, text=True)
            summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
            failures += result.returncode != 0
            print(f"run {run}/{args.runs}: {summary} ({time.monotonic() - started:.0f} s, {args.busy} busy processes)",
                  flush=True)
            if result.returncode != 0:
                print(result.stdout[-4000:], flush=True)
    finally:
        for process in burners:
            process.terminate()
    print(f"{args.runs - failures}/{args.runs} runs without a failure")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
