"""Forms of the questionnaire administration (CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from quiz.accounts.forms import MultiCheckboxField, choices


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
    review_policy = SelectField(_l("Ce que voit le candidat après la remise"), choices=choices([
        ("score", _l("Son score seulement")),
        ("review_after_close", _l("Le corrigé détaillé, une fois la session fermée")),
    ]))
    submit = SubmitField(_l("Enregistrer"))


class SessionForm(FlaskForm):
    questionnaire = SelectField(_l("Questionnaire"), coerce=int, validators=[DataRequired()])
    opens_at = DateTimeLocalField(_l("Ouverture (heure de Paris)"), format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired()])
    closes_at = DateTimeLocalField(_l("Fermeture (heure de Paris)"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired()])
    cohorts = MultiCheckboxField(_l("Cohortes convoquées"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Enregistrer la session"))

    def validate_closes_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("La fermeture doit être postérieure à l'ouverture."))


class AccommodationForm(FlaskForm):
    candidate = SelectField(_l("Candidat"), coerce=int, validators=[DataRequired()])
    extra_time_percent = IntegerField(_l("Temps supplémentaire (%)"), default=33,
                                      validators=[Optional(), NumberRange(min=0, max=200)])
    reason = StringField(_l("Motif (ex. : tiers-temps)"), validators=[Length(max=200)])
    submit = SubmitField(_l("Enregistrer l'aménagement"))
