"""The jury's documents as PDF (reportlab): the minutes (PV de délibération) and, per holder, the
certificate — « parchemin » for the title, « certificat de compétences » for blocs — with its
verification URL as a QR code; and the whole session's certificates as one ZIP.

Pure: plain values in, bytes out (no Flask, no database).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from babel.dates import format_date
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

OUTCOME_LABELS = {"title": "Titre délivré", "blocs": "Blocs délivrés (certification partielle)",
                  "none": "Non délivré"}


@dataclass(frozen=True)
class Certifier:
    name: str
    siret: str
    address: str
    rncp_code: str
    signatory_name: str
    signatory_quality: str
    title: str  # the professional title's name
    logo: bytes | None = None


@dataclass(frozen=True)
class MinutesRow:
    name: str
    proposal: str
    decision: str
    reason: str


@dataclass(frozen=True)
class CertificateData:
    number: str
    kind: str  # "title" or "blocs"
    holder_name: str
    birth_date: date
    birth_place: str
    blocs: tuple[tuple[str, str], ...]  # (« Bloc 1 », title)
    jury_date: date
    jury_place: str
    verification_url: str
    revoked: bool = False


def long_date(day: date) -> str:
    return format_date(day, "d MMMM y", locale="fr")


def _styles():
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=20, leading=25),
        "subtitle": ParagraphStyle("subtitle", parent=base["Normal"], fontSize=12, alignment=TA_CENTER, leading=16),
        "center": ParagraphStyle("center", parent=base["Normal"], fontSize=11, alignment=TA_CENTER, leading=15),
        "name": ParagraphStyle("name", parent=base["Title"], fontSize=24, leading=30, spaceBefore=6, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontSize=13, spaceBefore=8),
        "body": ParagraphStyle("body", parent=base["Normal"], fontSize=10.5, leading=14),
        "small": ParagraphStyle("small", parent=base["Normal"], fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", parent=base["Normal"], fontSize=9, leading=11),
        "warning": ParagraphStyle("warning", parent=base["Normal"], fontSize=11, textColor=colors.HexColor("#842029"),
                                  alignment=TA_CENTER, leading=14),
    }


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(text), style)


def _logo(certifier: Certifier):
    if not certifier.logo:
        return None
    reader = ImageReader(io.BytesIO(certifier.logo))
    width, height = reader.getSize()
    scale = min(40 * mm / width, 20 * mm / height)
    return Image(io.BytesIO(certifier.logo), width=width * scale, height=height * scale)


def _issuer(certifier: Certifier, st) -> list:
    story = []
    logo = _logo(certifier)
    if logo is not None:
        story.append(logo)
    story.append(_p(certifier.name or "Certificateur (à renseigner dans les paramètres)", st["center"]))
    details = " — ".join(x for x in (certifier.address.replace("\n", ", "),
                                      f"SIRET {certifier.siret}" if certifier.siret else "") if x)
    if details:
        story.append(_p(details, st["small"]))
    return story


def _table(rows, widths, header=True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")))
    table.setStyle(TableStyle(style))
    return table


def minutes_pdf(certifier: Certifier, held_on: date, place: str, members: Iterable[tuple[str, str, bool]],
                rows: Iterable[MinutesRow], closed: bool) -> bytes:
    """The PV de délibération: members, date, place, every candidate and decision, signatures."""
    st = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"Procès-verbal de délibération du {long_date(held_on)}",
                            author=certifier.name or "Certificateur", lang="fr")
    story = _issuer(certifier, st)
    story += [
        Spacer(1, 4 * mm),
        _p("Procès-verbal de délibération du jury", st["title"]),
        _p(f"Titre professionnel « {certifier.title} »" + (f" — {certifier.rncp_code}" if certifier.rncp_code else ""),
           st["subtitle"]),
        Spacer(1, 4 * mm),
        _p(f"Le jury s'est réuni le {long_date(held_on)} à {place}.", st["body"]),
    ]
    if not closed:
        story.append(_p("Document provisoire : la délibération n'est pas close.", st["warning"]))
    members = list(members)
    story.append(_p("Composition du jury", st["h2"]))
    member_rows = [[_p("Nom", st["cell"]), _p("Qualité", st["cell"]), _p("Fonction", st["cell"])]]
    member_rows += [[_p(n, st["cell"]), _p(q, st["cell"]), _p("Président" if p else "Membre", st["cell"])]
                    for n, q, p in members]
    story.append(_table(member_rows, [60 * mm, 80 * mm, 34 * mm]))
    story.append(_p("Décisions", st["h2"]))
    decision_rows = [[_p(h, st["cell"]) for h in ("Candidat", "Proposition du registre", "Décision du jury", "Motif")]]
    rows = list(rows)
    decision_rows += [[_p(r.name, st["cell"]), _p(r.proposal, st["cell"]), _p(r.decision, st["cell"]),
                       _p(r.reason, st["cell"])] for r in rows]
    story.append(_table(decision_rows, [44 * mm, 46 * mm, 46 * mm, 38 * mm]))
    story.append(Spacer(1, 3 * mm))
    awarded = sum(1 for r in rows if not r.decision.startswith(OUTCOME_LABELS["none"]))
    story.append(_p(f"{len(rows)} candidat(s) présenté(s), {awarded} lauréat(s).", st["body"]))
    story.append(_p("Signatures", st["h2"]))
    signature_rows = [[Paragraph(f"{escape(n)}<br/>{escape(q)}" + (" — président" if p else ""), st["cell"]), ""]
                      for n, q, p in members]
    if signature_rows:
        table = Table(signature_rows, colWidths=[90 * mm, 84 * mm], rowHeights=[18 * mm] * len(signature_rows))
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(table)
    doc.build(story)
    return out.getvalue()


def qr_drawing(url: str, size: float = 30 * mm) -> Drawing:
    widget = QrCodeWidget(url)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def certificate_pdf(certifier: Certifier, data: CertificateData) -> bytes:
    st = _styles()
    out = io.BytesIO()
    heading = "Parchemin" if data.kind == "title" else "Certificat de compétences"
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=f"{heading} {data.number}",
                            author=certifier.name or "Certificateur", lang="fr")
    story = _issuer(certifier, st)
    story += [Spacer(1, 3 * mm), _p(heading, st["title"])]
    if data.revoked:
        story.append(_p("CERTIFICAT ANNULÉ", st["warning"]))
    story.append(_p(f"{certifier.name or 'Le certificateur'} certifie que", st["center"]))
    story.append(_p(data.holder_name, st["name"]))
    story.append(_p(f"né(e) le {long_date(data.birth_date)} à {data.birth_place}", st["center"]))
    rncp = f" (répertoire national des certifications professionnelles, {certifier.rncp_code})" \
        if certifier.rncp_code else ""
    if data.kind == "title":
        story.append(_p(f"a obtenu le titre professionnel « {certifier.title} »{rncp}, par décision du jury "
                        f"réuni le {long_date(data.jury_date)} à {data.jury_place}.", st["center"]))
    else:
        story.append(_p(f"a validé les blocs de compétences suivants du titre professionnel « {certifier.title} »"
                        f"{rncp}, par décision du jury réuni le {long_date(data.jury_date)} à {data.jury_place} :",
                        st["center"]))
        story.append(Spacer(1, 2 * mm))
        story.append(_table([[_p(code, st["cell"]), _p(title, st["cell"])] for code, title in data.blocs],
                            [30 * mm, 170 * mm], header=False))
        story.append(_p("Les blocs validés sont acquis définitivement (certification partielle).", st["small"]))
    story.append(Spacer(1, 5 * mm))
    signature = Paragraph(
        f"Fait le {long_date(data.jury_date)}.<br/>{escape(certifier.signatory_name or 'Signataire à renseigner')}"
        f"<br/>{escape(certifier.signatory_quality)}", st["body"])
    verification = Paragraph(
        f"Certificat n° {escape(data.number)}<br/>Vérifiable en ligne :<br/>"
        f"<font size=7>{escape(data.verification_url)}</font>", st["small"])
    footer = Table([[signature, verification, qr_drawing(data.verification_url)]],
                   colWidths=[110 * mm, 96 * mm, 34 * mm])
    footer.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story.append(footer)
    doc.build(story)
    return out.getvalue()


def certificates_zip(files: Iterable[tuple[str, bytes]]) -> bytes:
    """One ZIP of (name, PDF) pairs; PDFs are already compressed, so they are stored."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, body in files:
            archive.writestr(name, body)
    return out.getvalue()
