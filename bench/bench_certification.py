"""Time the jury's work at scale: the jury grid of 10,000 candidates, its CSV and XLSX exports,
the certificates of a jury of 1,000 holders as one ZIP, and `quiz cpf export` of 10,000 awards
(time, and peak memory on a second run under tracemalloc).

The ledger is generated as in bench_ledger.py (every competence × required modality, 80 %
passes, 10 % retakes). Certificates and their holders' encrypted identities are inserted in
bulk (what closing juries would have written), then the real code runs: the stored statuses
computed once from the ledger (what the first read after a migration does), the jury page and
the exports through the application (a logged-in test client: server time, no network), the
ZIP (delivery.session_zip) and the CLI export. Baselines in the same run: the grid's entries
read as bare DBAPI tuples (the floor of computing any grid from the ledger), the same number of
rows written by the csv module and by a write-only openpyxl sheet, one certificate PDF (the ZIP
divided by it says whether batching costs more than the sum of its parts), and cpf.build on the
same awards held in memory (the XML alone, without the database and the decryption).

Run: .venv/bin/python bench/bench_certification.py [--candidates 10000] [--holders 1000]
     [--engine sqlite|postgresql|both] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_ledger import generated_entries, timed  # noqa: E402
from load import PASSWORD, database_url  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from quiz.spreadsheet import csv_text  # noqa: E402


def seed(count: int):
    from werkzeug.security import generate_password_hash

    from quiz.accounts.models import Cohort, User, UserRole, cohort_members
    from quiz.extensions import db
    from quiz.ledger.models import LedgerEntry
    from quiz.referential import load_referential

    cohort = Cohort(name="Promotion jury")
    db.session.add(cohort)
    db.session.flush()
    digest = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
    db.session.execute(insert(User), [{"email": f"jury-{n:05d}@bench.test", "first_name": "Camille",
                                       "last_name": f"N{n:05d}", "password_hash": digest} for n in range(count)])
    ids = db.session.execute(select(User.id).order_by(User.id)).scalars().all()
    db.session.execute(insert(UserRole), [{"user_id": i, "role": "candidate"} for i in ids])
    db.session.execute(insert(cohort_members), [{"user_id": i, "cohort_id": cohort.id} for i in ids])
    rows = generated_entries(ids, load_referential())
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(LedgerEntry), rows[start:start + 5000])
    db.session.commit()
    return cohort.id, ids, len(rows)


def awards(ids: list[int], holders: int) -> tuple[int, int]:
    """A closed session with `holders` certificates, another with the rest; identities for all."""
    from quiz.certification import crypto, service
    from quiz.certification.identity import Identity
    from quiz.certification.models import Certificate, CivilIdentity, JuryDecision, JurySession
    from quiz.extensions import db

    service.update_settings({"name": "Institut CAE", "siret": "73282932000074", "rncp_code": "RNCP38577",
                             "signatory_name": "Marie Curie", "signatory_quality": "Directrice",
                             "cpf_id_client": "AB12CD34", "cpf_id_contrat": "MCFCER000123",
                             "public_base_url": "https://certif.example.org"})
    now = datetime(2026, 6, 15, 12, tzinfo=UTC)
    sessions = []
    for day in (date(2026, 6, 15), date(2026, 6, 16)):
        session = JurySession(held_on=day, place="Paris", created_at=now)
        db.session.add(session)
        db.session.flush()
        sessions.append(session.id)
    blocs = ["B1", "B2", "B3"]
    db.session.execute(insert(JuryDecision), [
        {"session_id": sessions[0] if n < holders else sessions[1], "candidate_id": i, "outcome": "title",
         "blocs": blocs, "proposal": {}, "reason": "", "decided_at": now} for n, i in enumerate(ids)])
    decisions = dict(db.session.execute(select(JuryDecision.candidate_id, JuryDecision.id)).all())
    fernet_rows = []
    for n, i in enumerate(ids):
        identity = Identity(birth_name=f"N{n:05d}", first_name1="Camille", birth_date=date(1990, 1, 1 + n % 28),
                            sex="F" if n % 2 else "M", commune_code="69123", birth_place="Lyon")
        fernet_rows.append({"user_id": i, "payload": crypto.encrypt(json.dumps(identity.to_json())),
                            "source": "import", "updated_at": now})
    db.session.execute(insert(CivilIdentity), fernet_rows)
    import secrets

    db.session.execute(insert(Certificate), [
        {"number": f"CAE-2026-{1 if n < holders else 2:04d}-{n:05d}", "verification_code": secrets.token_urlsafe(24),
         "session_id": sessions[0] if n < holders else sessions[1], "decision_id": decisions[i], "holder_id": i,
         "holder_name": f"Camille N{n:05d}", "kind": "title", "blocs": blocs,
         "awarded_on": date(2026, 6, 15), "issued_at": now} for n, i in enumerate(ids)])
    db.session.execute(text(f"UPDATE jury_sessions SET closed_at = '2026-06-15 18:00:00' "
                            f"WHERE id IN ({sessions[0]}, {sessions[1]})"))
    db.session.commit()
    return sessions[0], sessions[1]


def jury_admin() -> str:
    """An administrator to log in with (the jury page is for assessors and administrators)."""
    from werkzeug.security import generate_password_hash

    from quiz.accounts.models import User, UserRole
    from quiz.extensions import db

    user = User(email="admin@bench.test", first_name="Alex", last_name="Admin",
                password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1"))
    db.session.add(user)
    db.session.flush()
    db.session.add(UserRole(user_id=user.id, role="admin"))
    db.session.commit()
    return user.email


def in_memory_flux(count: int):
    from quiz.certification import cpf

    awards = tuple(cpf.Award(technical_id=f"CAE-2026-0002-{n:05d}", awarded_on=date(2026, 6, 15),
                             proof_url=f"https://certif.example.org/verification/{n:032d}",
                             access_mode="FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION", partial=False,
                             holder=cpf.Holder(birth_name=f"N{n:05d}", first_name1="Camille",
                                               birth_date=date(1990, 1, 1 + n % 28), sex="F" if n % 2 else "M",
                                               commune_code="69123", birth_place="Lyon"))
                   for n in range(count))
    return cpf.Flux(flux_id="f" * 32, timestamp=datetime(2026, 6, 20, 9, tzinfo=UTC), id_client="AB12CD34",
                    id_contrat="MCFCER000123", certification_type="RNCP", certification_code="RNCP38577",
                    awards=awards)


def measured(action):
    """Time untraced, then the peak memory of a second run under tracemalloc (which slows Python
    several times over, so its run is not timed)."""
    began = time.perf_counter()
    action()
    seconds = time.perf_counter() - began
    tracemalloc.start()
    result = action()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak


def run(engine: str, count: int, holders: int, profile: bool) -> None:
    from quiz import create_app
    from quiz.certification import cpf, delivery, service
    from quiz.certification.cli import cpf_cli
    from quiz.extensions import db
    from quiz.ledger import service as ledger

    url = database_url(engine, f"certification_{engine}")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "IDENTITY_KEY_FILE": str(Path("/tmp/quiz-bench") / "identity.key")})
    with app.app_context(), app.test_request_context():
        db.create_all()
        seeded = time.perf_counter()
        cohort_id, ids, entries = seed(count)
        print(f"{engine}: {count} candidates, {entries} ledger entries "
              f"(seeded in {time.perf_counter() - seeded:.0f} s)")

        def floor():
            with db.engine.connect() as conn:
                return len(conn.exec_driver_sql(
                    "SELECT id, candidate_id, competence, modality, thematic, passed, recorded_at, replaces_id, "
                    "assessed_on FROM ledger_entries").fetchall())

        floor_best, _ = timed(3, floor)
        print(f"  baseline, the entries as bare DBAPI tuples: best {floor_best * 1000:.0f} ms")
        began = time.perf_counter()
        computed = ledger.refresh_statuses(cohort_id)
        cold = time.perf_counter() - began
        print(f"  stored statuses computed from the ledger (first read, {computed} candidates): {cold:.1f} s, "
              f"{cold / floor_best:.1f} × the baseline")

        client = app.test_client()
        login = client.post("/login", data={"email": jury_admin(), "password": PASSWORD})
        assert login.status_code in (302, 303), login.status_code

        def page():
            response = client.get(f"/registre/jury?promotion={cohort_id}")
            assert response.status_code == 200 and response.data.count(b"data-candidate=") == min(count, 100)

        def grid():
            db.session.expunge_all()
            assert len(ledger.cohort_grid(cohort_id).rows) == count

        page_best, page_median = timed(3, page)
        print(f"  jury page (GET /registre/jury, 100 rows of {count}, nothing stale): best {page_best * 1000:.0f} ms "
              f"(median {page_median * 1000:.0f} ms), {page_best / floor_best:.2f} × the baseline")
        grid_best, grid_median = timed(3, grid)
        print(f"  cohort_grid, every row from the stored summaries: best {grid_best * 1000:.0f} ms "
              f"(median {grid_median * 1000:.0f} ms), {grid_best / floor_best:.2f} × the baseline")
        if profile:
            cProfile.runctx("page()", globals(), {"page": page}, "/tmp/quiz-bench/grid.prof")
            pstats.Stats("/tmp/quiz-bench/grid.prof").sort_stats("cumtime").print_stats(15)

        from quiz.ledger import exports

        header = exports.grid_header(ledger.referential())
        cells = exports.row_cells(ledger.cohort_grid(cohort_id).rows[0])

        def csv_floor():
            return len("".join(csv_text([cells] * min(500, count - start), bom=False)
                               for start in range(0, count, 500)))

        def xlsx_floor():
            from openpyxl import Workbook

            book = Workbook(write_only=True)
            sheet = book.create_sheet("x")
            sheet.append(header)
            for _ in range(count):
                sheet.append(cells)
            out = io.BytesIO()
            book.save(out)
            return len(out.getvalue())

        def export(fmt):
            def run_export():
                response = client.get(f"/registre/jury/export.{fmt}?promotion={cohort_id}", buffered=False)
                assert response.status_code == 200
                size = sum(len(chunk) for chunk in response.response)
                response.close()
                return size
            return run_export

        for fmt, baseline in (("csv", csv_floor), ("xlsx", xlsx_floor)):
            base_best, _ = timed(1, baseline)
            size, seconds, peak = measured(export(fmt))
            print(f"  {fmt.upper()} export of {count} rows ({size / 1e6:.1f} MB): {seconds:.2f} s, peak memory "
                  f"{peak / 1e6:.0f} MB; {seconds / base_best:.2f} × the same rows written bare "
                  f"({base_best:.2f} s)")

        small, large = awards(ids, holders)
        db.session.expunge_all()
        out = Path("/tmp/quiz-bench") / "cpf.xml"

        def cli_export():
            result = app.test_cli_runner().invoke(cpf_cli, ["export", "--out", str(out), "--since", "2026-01-01"])
            assert result.exit_code == 0, result.output
            return out.stat().st_size

        size, seconds, peak = measured(cli_export)
        flux = in_memory_flux(count)
        build_best, _ = timed(1, lambda: cpf.build(flux))
        print(f"  quiz cpf export, {count} awards ({size / 1e6:.1f} MB of XML): {seconds:.1f} s, peak memory "
              f"{peak / 1e6:.0f} MB; {seconds / build_best:.2f} × cpf.build alone on the same awards "
              f"({build_best:.2f} s)", flush=True)
        one = service.certificates_of_session(small)[0]
        one_best, _ = timed(3, lambda: delivery.certificate_pdf(one))
        print(f"  one certificate PDF: best {one_best * 1000:.0f} ms", flush=True)
        session = service.jury_session(small)
        began = time.perf_counter()
        body = delivery.session_zip(session)
        seconds = time.perf_counter() - began
        print(f"  certificates ZIP, {holders} holders + PV ({len(body) / 1e6:.1f} MB): {seconds:.1f} s untraced, "
              f"{seconds / (one_best * holders):.2f} × {holders} single PDFs", flush=True)
        tracemalloc.start()
        delivery.session_zip(session)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  certificates ZIP: peak memory {peak / 1e6:.0f} MB (second run, under tracemalloc)", flush=True)
        db.session.remove()
        db.engine.dispose()
    del large


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=10000)
    parser.add_argument("--holders", type=int, default=1000)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--profile", action="store_true", help="Profile the grid (top functions by own time).")
    args = parser.parse_args()
    for engine in ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]:
        run(engine, args.candidates, args.holders, args.profile)


if __name__ == "__main__":
    main()
