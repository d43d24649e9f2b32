"""The « accusé de dépôt » as PDF (reportlab): reference, date, each file's name, size and SHA-256.

Built from plain values, so that the same function serves the screen's data, the mail's
attachment and the download."""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


@dataclass(frozen=True)
class ReceiptFile:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Receipt:
    reference: str
    candidate: str
    session_title: str
    modality: str
    version: int
    deposited_at: str  # already in French, local time: « 15 juin 2026 à 10:02:03 (heure de Paris) »
    late: bool
    files: tuple[ReceiptFile, ...]


def french_size(size: int) -> str:
    if size < 1024:
        return f"{size}\u00a0o"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f}\u00a0Ko".replace(".", ",")
    return f"{size / (1024 * 1024):.1f}\u00a0Mo".replace(".", ",")


def document_pdf(title: str, rows: list[tuple[str, str]], table_title: str = "",
                 table: list[tuple[str, str, str]] = (), notes: tuple[str, ...] = ()) -> bytes:
    """A one-page document of the platform: a title, labelled rows, an optional three-column table
    (name, size, fingerprint), closing notes."""
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["Normal"], fontSize=10.5, leading=14)
    cell = ParagraphStyle("cell", parent=base["Normal"], fontSize=8.5, leading=10.5)
    mono = ParagraphStyle("mono", parent=cell, fontName="Courier", fontSize=7.5)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=title, author="Plateforme de certification CAE", lang="fr")
    story = [
        Paragraph(escape(title), base["Title"]),
        Paragraph(escape("Titre professionnel « Chargé(e) d'affaires entreprises »"), body),
        Spacer(1, 6 * mm),
        Table([[Paragraph(f"<b>{escape(k)}</b>", body), Paragraph(escape(v), body)] for k, v in rows],
              colWidths=[45 * mm, 129 * mm]),
        Spacer(1, 6 * mm),
    ]
    if table:
        header = [Paragraph(f"<b>{h}</b>", cell) for h in ("Fichier", "Taille", "SHA-256")]
        grid = Table([header, *([Paragraph(escape(a), cell), Paragraph(b, cell), Paragraph(c, mono)]
                                for a, b, c in table)], colWidths=[62 * mm, 18 * mm, 94 * mm], repeatRows=1)
        grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                  ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                                  ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [Paragraph(f"<b>{escape(table_title)}</b>", body), Spacer(1, 2 * mm), grid, Spacer(1, 6 * mm)]
    story += [Paragraph(escape(note), body) for note in notes]
    doc.build(story)
    return out.getvalue()


def receipt_pdf(receipt: Receipt) -> bytes:
    rows = [
        ("Référence", receipt.reference),
        ("Candidat", receipt.candidate),
        ("Épreuve", f"{receipt.modality} — {receipt.session_title}"),
        ("Version déposée", str(receipt.version)),
        ("Date du dépôt", receipt.deposited_at + (" — dépôt en retard" if receipt.late else "")),
    ]
    return document_pdf(
        f"Accusé de dépôt {receipt.reference}", rows,
        "Fichiers reçus (empreinte SHA-256 de chacun, telle que reçue)",
        [(f.name, french_size(f.size), f.sha256) for f in receipt.files],
        ("Conservez ce document : la référence et les empreintes permettent de prouver ce qui a été déposé "
         "et quand. Chaque nouveau dépôt avant l'échéance crée une nouvelle version ; les précédentes sont "
         "conservées.",))


def answer_pdf(anonymity_number: str, session_title: str, case_title: str, handed_in_at: str, text: str,
               sha256: str) -> bytes:
    """The copy of an E3 answer written online, for the assessors: anonymous (its number, never the
    candidate), the text exactly as written, every character escaped (nothing in it is markup)."""
    base = getSampleStyleSheet()
    body = ParagraphStyle("answer", parent=base["Normal"], fontSize=10.5, leading=14.5, spaceAfter=5)
    small = ParagraphStyle("small", parent=base["Normal"], fontSize=8.5, leading=11)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=f"Copie {anonymity_number}", author="", lang="fr")
    story = [
        Paragraph(escape(f"Copie {anonymity_number}"), base["Title"]),
        Paragraph(escape(f"E3 — {session_title} — {case_title}"), small),
        Paragraph(escape(f"Remise le {handed_in_at} — SHA-256 du texte : {sha256}"), small),
        Spacer(1, 6 * mm),
    ]
    blocks = [b for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()] or ["(aucun texte)"]
    story += [Paragraph(escape(block).replace("\n", "<br/>"), body) for block in blocks]
    doc.build(story)
    return out.getvalue()
