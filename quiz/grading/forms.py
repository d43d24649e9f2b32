"""The grading form, built for the competences a modality assesses (one or several at once)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from quiz.ledger.service import EARLIEST_DAY, CompetenceVerdict, contradicts, local_date, score_max
from quiz.referential import Competence
from quiz.timeutil import utcnow

OUTCOMES = [SelectChoice("1", _l("Acquis")), SelectChoice("0", _l("Non acquis"))]
CRITERION = [SelectChoice("1", _l("Satisfait")), SelectChoice("0", _l("Non satisfait"))]


class FrenchDecimalField(DecimalField):
    """A decimal typed the French way (14,5) or the other (14.5)."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            try:
                self.data = Decimal(valuelist[0].strip().replace(",", "."))
            except InvalidOperation:
                self.data = None
                raise ValueError(_l("Saisissez un nombre, par exemple 14,5.")) from None
        else:
            self.data = None


def bounded_day(form, field) -> None:
    """No day before 2000 (a mistyped 1900-01-01) nor after today (Paris time)."""
    if field.data is None:
        return
    if field.data < EARLIEST_DAY:
        raise ValidationError(_l("La date ne peut pas être antérieure au 1er janvier 2000."))
    if field.data > local_date(utcnow()):
        raise ValidationError(_l("La date ne peut pas être dans le futur."))


class GradingFormBase(FlaskForm):
    assessed_on = DateField(_l("Date de l'évaluation"),
                            validators=[DataRequired(_l("Indiquez la date.")), bounded_day])
    comment = TextAreaField(_l("Commentaire"), validators=[Optional(), Length(max=5000)])
    files = MultipleFileField(_l("Pièces justificatives (PDF, DOCX, ODT ou XLSX)"))


class CorrectionFormBase(GradingFormBase):
    reason = TextAreaField(
        _l("Motif de la correction"),
        validators=[DataRequired(_l("Le motif de la correction est obligatoire.")), Length(max=2000)],
    )


@dataclass(frozen=True)
class CompetenceFields:
    """The names of one competence's fields, for the template and for reading the verdict."""

    competence: Competence
    selected: str | None
    outcome: str
    score: str
    criteria: tuple[str, ...]
    justification: str


def field_names(competence: Competence, selectable: bool, with_criteria: bool) -> CompetenceFields:
    key = competence.code
    count = len(competence.criteria.items) if with_criteria else 0
    return CompetenceFields(
        competence,
        f"{key}_selected" if selectable else None,
        f"{key}_outcome",
        f"{key}_score",
        tuple(f"{key}_criterion_{i}" for i in range(count)),
        f"{key}_justification",
    )


def build_form(
    competences: tuple[Competence, ...], correction: bool = False, with_criteria: bool = True,
    modality: str = "E1", selectable: bool | None = None, base=None, **kwargs
):
    """A form instance with, per competence: a choice (when `selectable`, by default unless
    correcting), each criterion's verdict, the outcome, an optional score on the modality's scale
    (out of 100 for E2, of 20 otherwise) and a justification asked when the outcome goes against
    the criteria."""
    base = base or (CorrectionFormBase if correction else GradingFormBase)
    selectable = not correction if selectable is None else selectable
    top = score_max(modality)
    attrs: dict = {}
    groups = []
    for comp in competences:
        names = field_names(comp, selectable=selectable, with_criteria=with_criteria)
        groups.append(names)
        if names.selected:
            attrs[names.selected] = BooleanField(_l("Évaluer %(code)s", code=comp.label))
        attrs[names.outcome] = RadioField(_l("Résultat"), choices=OUTCOMES, validators=[Optional()])
        attrs[names.score] = FrenchDecimalField(
            _l("Note sur %(max)s (facultatif)", max=int(top)),
            places=2,
            widget=TextInput(),
            render_kw={"inputmode": "decimal", "autocomplete": "off"},
            validators=[Optional(), NumberRange(0, top, _l("La note est comprise entre 0 et %(max)s.", max=int(top)))],
        )
        for i, name in enumerate(names.criteria):
            attrs[name] = RadioField(comp.criteria.items[i], choices=CRITERION, validators=[Optional()])
        attrs[names.justification] = TextAreaField(
            _l("Justification du résultat (si le résultat va contre les critères)"),
            validators=[Optional(), Length(max=2000)])
    form_class = type("GradingForm", (base,), attrs)
    form = form_class(**kwargs)
    form.groups = tuple(groups)
    form.score_max = top
    form.assessed_on.render_kw = {"min": EARLIEST_DAY.isoformat(), "max": local_date(utcnow()).isoformat()}
    return form


def validate_grading(form) -> bool:
    """The form's own checks, then: at least one competence, and for each one chosen an outcome
    and a verdict on every criterion. Errors go on the fields they concern."""
    ok = form.validate_on_submit()
    if not form.is_submitted():
        return False
    chosen = chosen_groups(form)
    if not chosen:
        form.form_errors.append(_l("Choisissez au moins une compétence à évaluer."))
        ok = False
    for group in chosen:
        outcome = form[group.outcome]
        if outcome.data not in ("0", "1"):
            outcome.errors = [*outcome.errors, _l("Indiquez si la compétence est acquise.")]
            ok = False
        for name in group.criteria:
            if form[name].data not in ("0", "1"):
                form[name].errors = [*form[name].errors, _l("Donnez un avis sur ce critère.")]
                ok = False
        if outcome.data in ("0", "1") and all(form[n].data in ("0", "1") for n in group.criteria):
            justification = form[group.justification]
            if contradicts(_verdict(form, group)) and not (justification.data or "").strip():
                justification.errors = [*justification.errors, _l(
                    "Le résultat va contre l'avis porté sur les critères (tous satisfaits mais « non acquis », "
                    "ou un critère non satisfait mais « acquis ») : justifiez-le.")]
                ok = False
    return ok


def chosen_groups(form) -> list[CompetenceFields]:
    return [g for g in form.groups if g.selected is None or form[g.selected].data]


def _verdict(form, group: CompetenceFields) -> CompetenceVerdict:
    return CompetenceVerdict(
        competence=group.competence.code,
        passed=form[group.outcome].data == "1",
        criteria={i: form[name].data == "1" for i, name in enumerate(group.criteria)},
        score=form[group.score].data,
        justification=(form[group.justification].data or "").strip(),
    )


def verdicts(form) -> list[CompetenceVerdict]:
    return [_verdict(form, g) for g in chosen_groups(form)]
