"""Time the status rules and the jury grid for a generated cohort of 1,000 candidates.

Every candidate gets, for every competence of the referential, one entry per modality it
requires (E2 per thematic), passed four times out of five, plus a retake for one in ten: about
the ledger of a cohort at the end of its training. The rules run on plain entries (the pure
core); the stored statuses are rebuilt from the ledger (one query per 500 candidates, then the
rules), and the grid reads them, on SQLite and, when reachable, PostgreSQL.

Run: .venv/bin/python bench/bench_ledger.py [--candidates 1000] [--engine sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import PASSWORD, database_url, make_app  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402


def generated_entries(candidate_ids: list[int], referential, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    when = datetime(2026, 6, 1, 9, tzinfo=UTC)
    for candidate in candidate_ids:
        for competence in referential.competences:
            for modality in competence.modalities:
                targets = competence.thematics if modality == "E2" else (None,)
                for thematic in targets:
                    for _attempt in range(2 if rng.random() < 0.1 else 1):
                        rows.append({
                            "candidate_id": candidate, "competence": competence.code, "modality": modality,
                            "thematic": thematic, "passed": rng.random() < 0.8,
                            "source": "e2_attempt" if modality == "E2" else "assessor",
                            "recorded_at": when, "assessed_on": date(2026, 6, 1), "comment": "",
                        })
    return rows


def timed(runs: int, action) -> tuple[float, float]:
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
    return min(timings), statistics.median(timings)


def run(engine: str, count: int) -> None:
    from werkzeug.security import generate_password_hash

    from quiz.accounts.models import Cohort, User, UserRole, cohort_members
    from quiz.extensions import db
    from quiz.ledger import rules, service
    from quiz.ledger.models import LedgerEntry
    from quiz.referential import load_referential

    app = make_app(database_url(engine, f"ledger_{engine}"))
    with app.app_context():
        db.create_all()
        referential = load_referential()
        cohort = Cohort(name="Promotion jury")
        db.session.add(cohort)
        db.session.flush()
        digest = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
        db.session.execute(insert(User), [{"email": f"jury-{n:05d}@bench.test", "first_name": "Candidat",
                                           "last_name": f"N{n:05d}", "password_hash": digest} for n in range(count)])
        ids = db.session.execute(select(User.id)).scalars().all()
        db.session.execute(insert(UserRole), [{"user_id": i, "role": "candidate"} for i in ids])
        db.session.execute(insert(cohort_members), [{"user_id": i, "cohort_id": cohort.id} for i in ids])
        rows = generated_entries(ids, referential)
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(LedgerEntry), rows[start:start + 5000])
        db.session.commit()
        entries = [service.to_rule_entry(r) for r in db.session.execute(select(LedgerEntry)).scalars()]
        rules_best, rules_median = timed(3, lambda: rules.certification_statuses(entries, referential, ids))

        cohort_id = cohort.id
        began = time.perf_counter()
        service.rebuild_statuses()
        rebuilt = time.perf_counter() - began

        def grid():
            db.session.expunge_all()
            assert len(service.cohort_grid(cohort_id).rows) == count

        grid_best, grid_median = timed(3, grid)
        print(f"{engine}: {count} candidates, {len(rows)} ledger entries")
        print(f"  status rules (pure): best {rules_best * 1000:.0f} ms (median {rules_median * 1000:.0f} ms), "
              f"{rules_best / count * 1e6:.0f} µs per candidate")
        print(f"  stored statuses rebuilt from the ledger (database + rules): {rebuilt * 1000:.0f} ms; "
              f"rules share {rules_best / rebuilt:.0%}")
        print(f"  jury grid (cohort_grid, from the stored statuses): best {grid_best * 1000:.0f} ms "
              f"(median {grid_median * 1000:.0f} ms)")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    for engine in ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]:
        run(engine, args.candidates)


if __name__ == "__main__":
    main()
