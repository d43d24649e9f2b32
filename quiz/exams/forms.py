"""Forms of the questionnaire administration (CSRF on every one)."""

from __future__ import annotations

import re
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError

from quiz.accounts.forms import MultiCheckboxField, choices
from quiz.exams.models import DEFAULT_REVIEW, REVIEW_THINGS

REVIEW_LABELS = {
    "score": _l("Le score"),
    "correctness": _l("Juste, faux ou sans réponse, question par question"),
    "key": _l("Les bonnes réponses"),
    "explanation": _l("Les explications"),
}
WHEN_CHOICES = choices([
    ("immediately", _l("Dès la remise")),
    ("after_close", _l("Après la fermeture de la session")),
    ("never", _l("Jamais")),
])


class QuestionnaireForm(FlaskForm):
    thematic = SelectField(_l("Thématique"), coerce=int, validators=[DataRequired()])
    title = StringField(_l("Intitulé"), validators=[DataRequired(), Length(max=200)])
    question_count = IntegerField(_l("Nombre de questions tirées"), default=20,
                                  validators=[DataRequired(), NumberRange(min=1, max=200)])
    duration_minutes = IntegerField(_l("Durée (minutes)"), default=30,
                                    validators=[DataRequired(), NumberRange(min=1, max=600)])
    draw_rule = SelectField(_l("Règle de tirage"), choices=choices([
        ("uniform", _l("Uniforme (tirage au hasard)")),
        ("spread", _l("Réparti sur les niveaux de difficulté et les thèmes")),
    ]))
    shuffle_options = BooleanField(_l("Mélanger l'ordre des réponses"), default=True)
    attempts_allowed = IntegerField(_l("Tentatives autorisées"), default=1,
                                    validators=[DataRequired(), NumberRange(min=1, max=10)])
    review_score = RadioField(REVIEW_LABELS["score"], choices=WHEN_CHOICES, default=DEFAULT_REVIEW["score"])
    review_correctness = RadioField(REVIEW_LABELS["correctness"], choices=WHEN_CHOICES,
                                    default=DEFAULT_REVIEW["correctness"])
    review_key = RadioField(REVIEW_LABELS["key"], choices=WHEN_CHOICES, default=DEFAULT_REVIEW["key"])
    review_explanation = RadioField(REVIEW_LABELS["explanation"], choices=WHEN_CHOICES,
                                    default=DEFAULT_REVIEW["explanation"])
    submit = SubmitField(_l("Enregistrer"))

    def review_fields(self):
        return [getattr(self, f"review_{thing}") for thing in REVIEW_THINGS]

    def load_review(self, options: dict) -> None:
        for thing in REVIEW_THINGS:
            getattr(self, f"review_{thing}").data = options.get(thing, DEFAULT_REVIEW[thing])

    def review_options(self) -> dict:
        return {thing: getattr(self, f"review_{thing}").data for thing in REVIEW_THINGS}


class SessionForm(FlaskForm):
    questionnaire = SelectField(_l("Questionnaire"), coerce=int, validators=[DataRequired()])
    opens_at = DateTimeLocalField(_l("Ouverture (heure de Paris)"), format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired()])
    closes_at = DateTimeLocalField(_l("Fermeture (heure de Paris)"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired()])
    cohorts = MultiCheckboxField(_l("Cohortes convoquées"), coerce=int, validators=[DataRequired()])
    # How many attempts in progress the administrator was told this closing time cuts (see the view).
    confirm_cut = HiddenField()
    submit = SubmitField(_l("Enregistrer la session"))

    def validate_closes_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("La fermeture doit être postérieure à l'ouverture."))


_FRACTION = re.compile(r"^\+?\s*(\d{1,3})\s*/\s*(\d{1,3})$")
_PERCENT = re.compile(r"^\+?\s*(\d{1,3})\s*%?$")


def parse_extra_time(text: str) -> Fraction | None:
    """« 1/3 », « tiers-temps », « 25 % » or « 25 » as an exact share of the duration; None if unreadable."""
    text = (text or "").strip().lower().replace("\u00a0", " ").replace("\u202f", " ")
    if text in ("", "0"):
        return Fraction(0)
    if text in ("tiers-temps", "tiers temps"):
        return Fraction(1, 3)
    if match := _FRACTION.match(text):
        numerator, denominator = int(match[1]), int(match[2])
        return Fraction(numerator, denominator) if denominator else None
    if match := _PERCENT.match(text):
        return Fraction(int(match[1]), 100)
    return None


class AccommodationForm(FlaskForm):
    candidate = SelectField(_l("Candidat"), coerce=int, validators=[DataRequired()])
    extra_time = StringField(_l("Temps supplémentaire"), default="1/3",
                             description=_l("Une fraction exacte de la durée (« 1/3 » pour un tiers-temps : "
                                            "30 min deviennent 40 min) ou un pourcentage (« 25 % »)."),
                             validators=[Length(max=20)])
    reason = StringField(_l("Motif (ex. : tiers-temps)"), validators=[Length(max=200)])
    submit = SubmitField(_l("Enregistrer l'aménagement"))

    def validate_extra_time(self, field):
        extra = parse_extra_time(field.data)
        if extra is None or not 0 <= extra <= 2:
            raise ValidationError(_l("Écrivez une fraction (« 1/3 ») ou un pourcentage (« 25 % ») entre 0 et 200 %."))
        self.extra = extra


class LateDecisionForm(FlaskForm):
    decision = RadioField(_l("Décision"), validators=[DataRequired()], choices=choices([
        ("accept", _l("Accepter : ces réponses comptent, la tentative est recalculée et le registre corrigé")),
        ("reject", _l("Rejeter : le résultat reste celui de la remise")),
    ]))
    reason = TextAreaField(_l("Motif (inscrit au journal)"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Enregistrer la décision"))

    @property
    def accept(self) -> bool:
        return self.decision.data == "accept"
