"""Deposits against `quiz serve` on PostgreSQL, and the anonymised ZIP of a session's copies.

    .venv/bin/python bench/bench_deposits.py                       # 500 candidates × 10 MB
    .venv/bin/python bench/bench_deposits.py --candidates 100 --mb 2 --concurrency 10

Two servers on one database: every candidate deposits through server A, then reads their receipt
and (one in ten) downloads their file through server B. Checks: no deposit lost, every stored
file's SHA-256 (recomputed from the database chunks) equal to the receipt's and to the client's;
p95 of a deposit; peak memory (VmHWM) of each gunicorn worker against its size after start-up —
uploads are streamed, so the peak stays far below candidates × size. Then an administrator
downloads the anonymised ZIP of every copy: time and the workers' peak memory again.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from bench.load import (  # noqa: E402
    CSRF_INPUT,
    PASSWORD,
    WORK,
    Recorder,
    Server,
    browser,
    database_url,
    make_app,
    pool,
    print_table,
    save_result,
    send,
)

VERSION = re.compile(r"/epreuves/accuses/(\d+)")
FILE = re.compile(r'/epreuves/fichiers/(\d+)')


def seed(url: str, candidates: int) -> tuple[int, list[str]]:
    from datetime import timedelta

    from quiz.accounts.models import Cohort, User, UserRole, cohort_members
    from quiz.assessments.models import AssessmentSession
    from quiz.extensions import db
    from quiz.timeutil import utcnow

    app = make_app(url)
    with app.app_context():
        db.create_all()
        cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
        cohort = Cohort(name="Promotion dépôts")
        admin = User(email="admin@bench.test", first_name="Admin", last_name="Bench", password_hash=cheap)
        admin.set_roles(["admin"])
        admin.password_hash = cheap
        now = utcnow()
        session = AssessmentSession(modality="E5", title="Synthèse bench", competences=["C10"],
                                    opens_at=now - timedelta(hours=1), deadline_at=now + timedelta(hours=6),
                                    max_files=1, cohorts=[cohort])
        db.session.add_all([admin, session])
        db.session.commit()
        emails = [f"depot-{n:05d}@bench.test" for n in range(candidates)]
        db.session.execute(insert(User), [{"email": e, "first_name": "Candidat", "last_name": e[:11],
                                           "password_hash": cheap} for e in emails])
        ids = db.session.execute(select(User.id).where(User.email.like("depot-%"))).scalars().all()
        db.session.execute(insert(UserRole), [{"user_id": i, "role": "candidate"} for i in ids])
        db.session.execute(insert(cohort_members), [{"user_id": i, "cohort_id": cohort.id} for i in ids])
        db.session.commit()
        session_id = session.id
        db.engine.dispose()
    return session_id, emails


def workers_of(server: Server) -> list[int]:
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    return [int(c) for c in children]


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def memory(server: Server) -> dict[int, dict]:
    return {pid: {"rss_mib": round(memory_kib(pid, "VmRSS") / 1024, 1),
                  "peak_mib": round(memory_kib(pid, "VmHWM") / 1024, 1)} for pid in workers_of(server)}


def document(n: int, size: int, block: bytes) -> bytes:
    """A valid PDF of about `size` bytes for candidate n (one page, a large embedded stream, an
    /Author in its information dictionary), distinct for every candidate."""
    payload = str(n).encode().rjust(12, b"0") + (block * (size // len(block) + 1))[:max(size - 700, 0)]
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> /PieceInfo << /D 4 0 R >> >>",
        b"<< /Length " + str(len(payload)).encode() + b" >>\nstream\n" + payload + b"\nendstream",
        b"<< /Author (Candidat " + str(n).encode() + b") /Title (Synthese) >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += b"trailer\n<< /Size " + str(len(objects) + 1).encode() + b" /Root 1 0 R /Info 5 0 R >>\n"
    out += b"startxref\n" + str(xref).encode() + b"\n%%EOF\n"
    return bytes(out)


async def candidate(n: int, email: str, a: str, b: str, session_id: int, size: int, block: bytes,
                    connector, rec: Recorder, gate: asyncio.Semaphore, out: dict) -> None:
    async with gate:
        content = document(n, size, block)
        digest = hashlib.sha256(content).hexdigest()
        client = browser(connector, timeout=600)
        try:
            page = await rec.call("login_page", send(client, "GET", f"{a}/login"))
            token = CSRF_INPUT.search(page.text).group(1)
            if await rec.call("login", send(client, "POST", f"{a}/login", data={
                    "email": email, "password": PASSWORD, "csrf_token": token}), expect=(302,)) is None:
                return
            page = await rec.call("deposit_page", send(client, "GET", f"{a}/epreuves/{session_id}"))
            form = aiohttp.FormData()
            form.add_field("csrf_token", CSRF_INPUT.search(page.text).group(1))
            form.add_field("files", content, filename=f"synthese-{n}.pdf", content_type="application/pdf")
            done = await rec.call("deposit", send(client, "POST", f"{a}/epreuves/{session_id}", data=form),
                                  expect=(302,))
            del content, form
            if done is None:
                return
            receipt = await rec.call("receipt_on_B", send(client, "GET", b + done.headers["location"]))
            out[email] = {"sha": digest, "receipt_has_sha": receipt is not None and digest in receipt.text}
            if n % 10 == 0 and receipt is not None:
                file_id = FILE.search(receipt.text) or FILE.search((await send(
                    client, "GET", f"{b}/epreuves/{session_id}")).text)
                began = time.perf_counter()
                async with client.get(f"{b}/epreuves/fichiers/{file_id.group(1)}") as response:
                    check = hashlib.sha256()
                    async for chunk in response.content.iter_chunked(1 << 20):
                        check.update(chunk)
                rec.samples["download_on_B"].append((time.perf_counter(), time.perf_counter() - began))
                out[email]["download_sha_ok"] = check.hexdigest() == digest
        finally:
            await client.close()


def verify(url: str, sent: dict) -> dict:
    """From the database: one version per candidate, stored chunks hashing to the receipt's SHA-256."""
    from quiz import storage
    from quiz.accounts.models import User
    from quiz.assessments.models import DepositFile, DepositVersion, Submission
    from quiz.extensions import db

    app = make_app(url)
    with app.app_context():
        rows = db.session.execute(select(User.email, DepositFile.sha256, DepositFile.stored_key)
                                  .join(Submission, Submission.candidate_id == User.id)
                                  .join(DepositVersion, DepositVersion.submission_id == Submission.id)
                                  .join(DepositFile, DepositFile.version_id == DepositVersion.id)).all()
        stored_ok = 0
        for _email, sha, key in rows:
            digest = hashlib.sha256()
            for chunk in storage.iter_chunks(key):
                digest.update(chunk)
            stored_ok += digest.hexdigest() == sha
        by_email = {e: s for e, s, _ in rows}
        db.engine.dispose()
    return {
        "deposits_acknowledged": len(sent),
        "versions_in_database": len(rows),
        "lost": sorted(set(sent) - set(by_email)),
        "stored_sha_equal_receipt": stored_ok,
        "receipt_sha_equal_client": sum(1 for e, s in sent.items() if by_email.get(e) == s["sha"]),
        "receipt_page_shows_sha": sum(1 for s in sent.values() if s["receipt_has_sha"]),
        "downloads_on_B_identical": f"{sum(1 for s in sent.values() if s.get('download_sha_ok'))}/"
                                    f"{sum(1 for s in sent.values() if 'download_sha_ok' in s)}",
    }


async def zip_download(base: str, session_id: int, connector, rec: Recorder) -> dict:
    client = browser(connector, timeout=3600)
    try:
        page = await send(client, "GET", f"{base}/login")
        await send(client, "POST", f"{base}/login", data={"email": "admin@bench.test", "password": PASSWORD,
                                                          "csrf_token": CSRF_INPUT.search(page.text).group(1)})
        began = time.perf_counter()
        size = 0
        async with client.get(f"{base}/epreuves/gestion/{session_id}/copies.zip") as response:
            assert response.status == 200, response.status
            async for chunk in response.content.iter_chunked(1 << 20):
                size += len(chunk)
        elapsed = time.perf_counter() - began
        rec.samples["zip"].append((time.perf_counter(), elapsed))
        return {"zip_seconds": round(elapsed, 1), "zip_mib": round(size / 2**20, 1)}
    finally:
        await client.close()


async def main(args) -> None:
    os.environ["QUIZ_MAIL_FOLDER"] = str(WORK / "mail")
    url = database_url("postgresql", "deposits")
    session_id, emails = seed(url, args.candidates)
    size = int(args.mb * 1024 * 1024)
    block = os.urandom(1 << 20)
    rec = Recorder()
    sent: dict = {}
    with Server(url, 8611, args.workers, args.threads) as a, Server(url, 8612, args.workers, args.threads) as b:
        at_start = {"A": memory(a), "B": memory(b)}
        connector = pool(args.concurrency * 2)
        gate = asyncio.Semaphore(args.concurrency)
        began = time.perf_counter()
        await asyncio.gather(*(candidate(n, e, a.base, b.base, session_id, size, block, connector, rec, gate, sent)
                               for n, e in enumerate(emails)))
        elapsed = time.perf_counter() - began
        after_deposits = {"A": memory(a), "B": memory(b)}
        zipped = await zip_download(a.base, session_id, connector, rec)
        after_zip = memory(a)
        await connector.close()
    checks = verify(url, sent)
    result = {"candidates": args.candidates, "mb_each": args.mb, "concurrency": args.concurrency,
              "seconds_for_all_deposits": round(elapsed, 1), "table": rec.summary(),
              "errors": {f"{k[0]} {k[1]}": v for k, v in rec.errors.items()}, "checks": checks,
              "memory_at_start": at_start, "memory_after_deposits": after_deposits, "memory_after_zip": after_zip,
              **zipped}
    print_table(f"{args.candidates} deposits of {args.mb} MB, {args.concurrency} at a time, in {elapsed:.0f} s",
                result["table"], rec.errors)
    for key in ("checks", "memory_at_start", "memory_after_deposits", "memory_after_zip"):
        print(f"{key}: {result[key]}")
    print(f"zip: {zipped}")
    save_result(f"deposits-{args.candidates}x{args.mb:g}mb", result)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--mb", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None)
    asyncio.run(main(parser.parse_args()))
