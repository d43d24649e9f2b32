"""Files every server can reach: stored in the database itself, in chunks, never on one disk.

Why the database rather than a folder or an object store: the platform already depends on one
PostgreSQL that every server reaches, is backed up with it and restored consistently with the
rows that name the files (a deposit and its receipt are committed together with the bytes);
nothing more to deploy, secure or keep in step. See docs/deployment.md for the figures and for
when an object store would be worth it.

A file goes in by `put()` from any readable stream, one chunk at a time (memory stays at one
chunk whatever the size), and comes out by `iter_chunks()` / `copy_to()` / `response()`, one
chunk per query, so a 10 MB download never sits whole in a worker either.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import quote

from flask import Response
from sqlalchemy import delete, insert, literal, select

from quiz.extensions import db
from quiz.storage.models import StoredChunk, StoredFile
from quiz.timeutil import utcnow

CHUNK = 1024 * 1024


class StorageError(LookupError):
    """A key that names no stored file."""


@dataclass(frozen=True)
class Blob:
    key: str
    size: int
    sha256: str


def put(stream: BinaryIO, chunk_size: int = CHUNK, key: str | None = None) -> Blob:
    """Store what `stream` yields under a new random key (or `key`, for files imported from an
    earlier folder), in the caller's transaction (not committed)."""
    key = key or secrets.token_hex(16)
    row = StoredFile(key=key, size=0, sha256="", created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    digest = hashlib.sha256()
    size = 0
    seq = 0
    while chunk := stream.read(chunk_size):
        digest.update(chunk)
        size += len(chunk)
        # A Core insert: nothing kept in the session's identity map, so memory stays at one chunk.
        db.session.execute(insert(StoredChunk), [{"file_id": row.id, "seq": seq, "data": chunk}])
        seq += 1
    row.size, row.sha256 = size, digest.hexdigest()
    db.session.flush()
    return Blob(key, size, row.sha256)


def info(key: str) -> Blob:
    row = db.session.execute(select(StoredFile).where(StoredFile.key == key)).scalar_one_or_none()
    if row is None:
        raise StorageError(key)
    return Blob(row.key, row.size, row.sha256)


def exists(key: str) -> bool:
    return db.session.execute(select(StoredFile.id).where(StoredFile.key == key)).first() is not None


def iter_chunks(key: str) -> Iterator[bytes]:
    """The file's bytes, one chunk per query on a connection of its own: usable after the
    request's session is gone (a streamed response runs after the view has returned)."""
    engine = db.engine
    with engine.connect() as conn:
        file_id = conn.execute(select(StoredFile.id).where(StoredFile.key == key)).scalar_one_or_none()
        if file_id is None:
            raise StorageError(key)
        count = conn.execute(select(db.func.count()).where(StoredChunk.file_id == file_id)).scalar_one()
    return _chunks(engine, file_id, count)


def _chunks(engine, file_id: int, count: int) -> Iterator[bytes]:
    for seq in range(count):
        with engine.connect() as conn:
            yield conn.execute(
                select(StoredChunk.data).where(StoredChunk.file_id == file_id, StoredChunk.seq == seq)
            ).scalar_one()


def copy_to(key: str, target: BinaryIO) -> int:
    size = 0
    for chunk in iter_chunks(key):
        target.write(chunk)
        size += len(chunk)
    return size


def read(key: str) -> bytes:
    """The whole file: for small ones only (tests, receipts); use iter_chunks for the rest."""
    return b"".join(iter_chunks(key))


def duplicate(key: str) -> str:
    """A copy of a stored file under a new key, made inside the database (no bytes through Python)."""
    source = db.session.execute(select(StoredFile).where(StoredFile.key == key)).scalar_one_or_none()
    if source is None:
        raise StorageError(key)
    copy = StoredFile(key=secrets.token_hex(16), size=source.size, sha256=source.sha256, created_at=utcnow())
    db.session.add(copy)
    db.session.flush()
    chunks = select(literal(copy.id), StoredChunk.seq, StoredChunk.data).where(StoredChunk.file_id == source.id)
    db.session.execute(insert(StoredChunk).from_select(["file_id", "seq", "data"], chunks))
    return copy.key


def delete_files(keys: Iterable[str]) -> None:
    """Remove stored files (the caller commits): for uploads refused after they were stored."""
    keys = list(keys)
    if not keys:
        return
    ids = select(StoredFile.id).where(StoredFile.key.in_(keys)).scalar_subquery()
    db.session.execute(delete(StoredChunk).where(StoredChunk.file_id.in_(ids)))
    db.session.execute(delete(StoredFile).where(StoredFile.key.in_(keys)))


def content_disposition(download_name: str) -> str:
    """`attachment` with an ASCII fallback name and the exact one in RFC 5987 form."""
    simple = unicodedata.normalize("NFKD", download_name).encode("ascii", "ignore").decode("ascii")
    simple = "".join(ch for ch in simple if ch.isprintable() and ch not in '"\\;') or "fichier"
    header = f'attachment; filename="{simple}"'
    if simple != download_name:
        header += f"; filename*=UTF-8''{quote(download_name, safe='')}"
    return header


def attachment(body: Iterable[bytes], size: int | None, mimetype: str, download_name: str) -> Response:
    """A private, never-sniffed attachment streamed from `body`."""
    response = Response(body, mimetype=mimetype, direct_passthrough=True)
    if size is not None:
        response.content_length = size
    response.headers["Content-Disposition"] = content_disposition(download_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def response(key: str, mimetype: str, download_name: str) -> Response:
    """A stored file as a download, streamed chunk by chunk."""
    blob = info(key)
    return attachment(iter_chunks(key), blob.size, mimetype, download_name)
