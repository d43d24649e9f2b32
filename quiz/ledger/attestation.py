"""The « Relevé de situation » of one candidate: what the ledger validates — the full title, or the
blocs with their dates and the competences behind them (reportlab, French dates).

It is marked as not being a certification: only the certifier's jury awards the title or blocs
(see quiz.certification), and its documents are the certificates.
"""

from __future__ import annotations

import io
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from quiz.ledger.exports import long_date
from quiz.ledger.rules import CertificationStatus
from quiz.referential import Referential
from quiz.typography import NBSP, french


def _styles():
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=18, leading=22),
        "subtitle": ParagraphStyle("subtitle", parent=base["Normal"], fontSize=12, alignment=TA_CENTER, leading=16),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontSize=13, spaceBefore=10),
        "body": ParagraphStyle("body", parent=base["Normal"], fontSize=10.5, leading=14),
        "cell": ParagraphStyle("cell", parent=base["Normal"], fontSize=9, leading=11),
        "warning": ParagraphStyle("warning", parent=base["Normal"], fontSize=11, leading=14, alignment=TA_CENTER,
                                  textColor=colors.HexColor("#842029"), borderColor=colors.HexColor("#842029"),
                                  borderWidth=0.8, borderPadding=6),
    }


NOT_A_CERTIFICATION = ("Ce relevé n'est pas une certification : seul le jury du certificateur délivre le titre "
                       "ou des blocs de compétences, par un certificat vérifiable en ligne.")


def _p(text: str, style) -> Paragraph:
    """A paragraph with French typography (the standard PDF fonts have no narrow no-break space)."""
    return Paragraph(escape(french(text, narrow=NBSP)), style)


def attestation_pdf(
    full_name: str, status: CertificationStatus, referential: Referential, issued_on: date
) -> bytes:
    """The attestation as PDF bytes; the document says plainly when nothing is validated yet."""
    st = _styles()
    out = io.BytesIO()
    heading = "Relevé de situation"
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"{heading} — {full_name}",
        author="Plateforme de certification CAE",
        lang="fr",
    )
    story = [
        _p(heading, st["title"]),
        _p(f"Titre professionnel « {referential.title} »", st["subtitle"]),
        Spacer(1, 4 * mm),
        _p(NOT_A_CERTIFICATION, st["warning"]),
        Spacer(1, 6 * mm),
    ]
    if status.validated:
        story.append(
            _p(
                f"D'après le registre des évaluations, {full_name} a validé l'ensemble des blocs de compétences "
                f"du titre professionnel « {referential.title} » depuis le {long_date(status.date)} ; "
                "le titre est délivré par décision du jury.",
                st["body"],
            )
        )
    elif status.validated_blocs:
        story.append(
            _p(
                f"D'après le registre des évaluations, {full_name} a validé les blocs de compétences suivants "
                f"du titre professionnel « {referential.title} » ; ils sont délivrés (certification partielle) "
                "par décision du jury.",
                st["body"],
            )
        )
    else:
        story.append(
            _p(f"À la date de cette attestation, {full_name} n'a validé aucun bloc de compétences.", st["body"])
        )

    for bloc_status in status.validated_blocs:
        bloc = referential.bloc(bloc_status.bloc)
        story.append(
            _p(f"Bloc {bloc.number} — {bloc.title} : validé le {long_date(bloc_status.date)}", st["h2"])
        )
        rows = [[_p("Compétence", st["cell"]), _p("Intitulé", st["cell"]), _p("Validée le", st["cell"])]]
        for comp_status in bloc_status.competences:
            comp = referential.competence(comp_status.competence)
            rows.append(
                [
                    _p(f"{comp.code} ({comp.ref})", st["cell"]),
                    _p(comp.statement, st["cell"]),
                    _p(long_date(comp_status.date), st["cell"]),
                ]
            )
        table = Table(rows, colWidths=[28 * mm, 112 * mm, 30 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)

    acquired = [c for b in status.blocs if not b.validated for c in b.competences if c.validated]
    if acquired:
        story.append(Spacer(1, 6 * mm))
        story.append(
            _p(
                "Compétences déjà acquises dans des blocs non encore validés (un bloc n'est validé que "
                "lorsque toutes ses compétences le sont) : "
                + " ; ".join(
                    f"{c.competence} ({referential.competence(c.competence).ref}) le {long_date(c.date)}"
                    for c in acquired
                )
                + ".",
                st["body"],
            )
        )

    missing = [referential.bloc(code) for code in status.missing]
    if missing and status.validated_blocs:
        story.append(Spacer(1, 6 * mm))
        story.append(
            _p(
                "Blocs restant à valider : " + " ; ".join(f"bloc {b.number} — {b.title}" for b in missing) + ".",
                st["body"],
            )
        )
    story += [Spacer(1, 10 * mm), _p(f"Relevé établi le {long_date(issued_on)}.", st["body"])]
    doc.build(story)
    return out.getvalue()
