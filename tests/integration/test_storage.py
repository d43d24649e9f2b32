"""Files stored in the database: chunked, streamed, the same bytes from any connection."""

from __future__ import annotations

import hashlib
import io
import os

import pytest
from sqlalchemy import func, select

from quiz import storage
from quiz.extensions import db
from quiz.storage.models import StoredChunk, StoredFile


def test_a_file_is_split_in_chunks_and_read_back_identical(app):
    content = os.urandom(10_000) + b"fin"
    blob = storage.put(io.BytesIO(content), chunk_size=4096)
    db.session.commit()
    assert blob.size == len(content) and blob.sha256 == hashlib.sha256(content).hexdigest()
    chunks = db.session.execute(select(func.count()).select_from(StoredChunk)).scalar_one()
    assert chunks == 3
    assert [len(c) for c in storage.iter_chunks(blob.key)] == [4096, 4096, len(content) - 8192]
    assert storage.read(blob.key) == content
    target = io.BytesIO()
    assert storage.copy_to(blob.key, target) == len(content) and target.getvalue() == content


def test_what_is_not_committed_is_not_stored(app):
    blob = storage.put(io.BytesIO(b"brouillon"))
    db.session.rollback()
    assert not storage.exists(blob.key)
    with pytest.raises(storage.StorageError):
        storage.read(blob.key)


def test_a_file_stored_by_one_app_is_served_by_another_on_the_same_database(app, db_url, tmp_path):
    """Two servers behind one database: no shared disk is needed."""
    from tests.conftest import _make_app

    blob = storage.put(io.BytesIO(b"%PDF-1.4 depuis le serveur A"))
    db.session.commit()
    other = _make_app(db_url, tmp_path / "b")
    with other.app_context():
        assert storage.read(blob.key) == b"%PDF-1.4 depuis le serveur A"
        db.engine.dispose()


def test_deleting_removes_the_chunks(app):
    keep = storage.put(io.BytesIO(b"garder"))
    drop = storage.put(io.BytesIO(b"jeter" * 1000), chunk_size=100)
    db.session.commit()
    storage.delete_files([drop.key])
    db.session.commit()
    assert db.session.execute(select(StoredFile.key)).scalars().all() == [keep.key]
    assert db.session.execute(select(func.count()).select_from(StoredChunk)).scalar_one() == 1


def test_an_attachment_names_the_file_safely_in_ascii_and_utf8(app):
    header = storage.content_disposition('synthèse "finale".pdf')
    assert header.startswith('attachment; filename="synthese finale.pdf"')
    assert "filename*=UTF-8''synth%C3%A8se%20%22finale%22.pdf" in header
    assert storage.content_disposition("copie-0042.pdf") == 'attachment; filename="copie-0042.pdf"'


def test_an_empty_file_has_no_chunk_and_reads_empty(app):
    blob = storage.put(io.BytesIO(b""))
    db.session.commit()
    assert blob.size == 0 and storage.read(blob.key) == b""
