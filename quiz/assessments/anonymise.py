"""Copies for assessors without their author: the metadata naming a person removed from PDF,
DOCX/XLSX and ODT files, written to a temporary file (never the whole file in memory twice).

PDF: the document information dictionary and the XMP metadata stream are dropped (pypdf).
Office Open XML: dc:creator, cp:lastModifiedBy (core.xml), Company/Manager (app.xml) and the
w:author/w:initials of comments and tracked changes emptied. ODF: meta:initial-creator,
dc:creator (meta.xml, and in annotations and tracked changes of content.xml) emptied.
A file that cannot be rewritten (an encrypted PDF, say) is served as deposited: `strip()`
reports it so the page can say so.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from typing import BinaryIO

from quiz.grading.evidence import DOCX, ODT, PDF, XLSX

_OOXML = [
    (re.compile(rb"(<dc:creator[^>]*>).*?(</dc:creator>)", re.S), rb"\1\2"),
    (re.compile(rb"(<cp:lastModifiedBy[^>]*>).*?(</cp:lastModifiedBy>)", re.S), rb"\1\2"),
    (re.compile(rb"(<Company>).*?(</Company>)", re.S), rb"\1\2"),
    (re.compile(rb"(<Manager>).*?(</Manager>)", re.S), rb"\1\2"),
    (re.compile(rb'(\sw:author=")[^"]*(")'), rb"\1\2"),
    (re.compile(rb'(\sw:initials=")[^"]*(")'), rb"\1\2"),
]
_ODF = [
    (re.compile(rb"(<meta:initial-creator[^>]*>).*?(</meta:initial-creator>)", re.S), rb"\1\2"),
    (re.compile(rb"(<dc:creator[^>]*>).*?(</dc:creator>)", re.S), rb"\1\2"),
    (re.compile(rb"(<meta:printed-by[^>]*>).*?(</meta:printed-by>)", re.S), rb"\1\2"),
]


def _rewrite_zip(source: BinaryIO, target: BinaryIO, rules, members: tuple[str, ...]) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename.endswith(".xml") and info.filename.startswith(members):
                for pattern, replacement in rules:
                    data = pattern.sub(replacement, data)
            # ODF wants `mimetype` first and stored; keep every member's own compression.
            new.writestr(info, data, compress_type=info.compress_type)


def _strip_pdf(source: BinaryIO, target: BinaryIO) -> None:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    reader = PdfReader(source)
    if reader.is_encrypted:
        raise ValueError("PDF chiffré")
    writer = PdfWriter(clone_from=reader)
    writer.metadata = None
    root = writer._root_object
    if NameObject("/Metadata") in root:
        del root[NameObject("/Metadata")]
    writer.write(target)


def strip(source: BinaryIO, content_type: str, target: BinaryIO) -> bool:
    """Write `source` to `target` without its author metadata; False if it had to be copied as is."""
    try:
        if content_type == PDF:
            _strip_pdf(source, target)
        elif content_type in (DOCX, XLSX):
            _rewrite_zip(source, target, _OOXML, ("docProps/", "word/", "xl/"))
        elif content_type == ODT:
            _rewrite_zip(source, target, _ODF, ("meta.xml", "content.xml", "styles.xml"))
        else:
            raise ValueError(content_type)
        return True
    except Exception:  # a file the libraries cannot rewrite is served as deposited
        source.seek(0)
        target.seek(0)
        target.truncate()
        shutil.copyfileobj(source, target)
        return False


def anonymised_copy(key: str, content_type: str) -> tuple[tempfile.SpooledTemporaryFile, bool]:
    """The stored file `key`, stripped, in a temporary file positioned at its start."""
    from quiz import storage

    target = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115  (the caller closes it)
    with tempfile.TemporaryFile() as source:
        storage.copy_to(key, source)
        source.seek(0)
        stripped = strip(source, content_type, target)
    target.seek(0)
    return target, stripped
