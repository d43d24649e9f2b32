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


def receipt_pdf(receipt: Receipt) -> bytes:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["Normal"], fontSize=10.5, leading=14)
    cell = ParagraphStyle("cell", parent=base["Normal"], fontSize=8.5, leading=10.5)
    mono = ParagraphStyle("mono", parent=cell, fontName="Courier", fontSize=7.5)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=f"Accusé de dépôt {receipt.reference}",
                            author="Plateforme de certification CAE", lang="fr")
    rows = [
        ("Référence", receipt.reference),
        ("Candidat", receipt.candidate),
        ("Épreuve", f"{receipt.modality} — {receipt.session_title}"),
        ("Version déposée", str(receipt.version)),
        ("Date du dépôt", receipt.deposited_at + (" — dépôt en retard" if receipt.late else "")),
    ]
    story = [
        Paragraph("Accusé de dépôt", base["Title"]),
        Paragraph(escape("Titre professionnel « Chargé(e) d'affaires entreprises »"), body),
        Spacer(1, 6 * mm),
        Table([[Paragraph(f"<b>{escape(k)}</b>", body), Paragraph(escape(v), body)] for k, v in rows],
              colWidths=[45 * mm, 129 * mm]),
        Spacer(1, 6 * mm),
        Paragraph("<b>Fichiers reçus</b> (empreinte SHA-256 de chacun, telle que reçue)", body),
        Spacer(1, 2 * mm),
    ]
    table = [[Paragraph("<b>Fichier</b>", cell), Paragraph("<b>Taille</b>", cell),
              Paragraph("<b>SHA-256</b>", cell)]]
    table += [[Paragraph(escape(f.name), cell), Paragraph(french_size(f.size), cell), Paragraph(f.sha256, mono)]
              for f in receipt.files]
    grid = Table(table, colWidths=[62 * mm, 18 * mm, 94 * mm], repeatRows=1)
    grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                              ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                              ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [grid, Spacer(1, 6 * mm), Paragraph(escape(
        "Conservez ce document : la référence et les empreintes permettent de prouver ce qui a été déposé "
        "et quand. Chaque nouveau dépôt avant l'échéance crée une nouvelle version ; les précédentes sont "
        "conservées."), body)]
    doc.build(story)
    return out.getvalue()
