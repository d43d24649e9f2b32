"""Forms of the assessments pages (CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from quiz.accounts.forms import MultiCheckboxField, choices
from quiz.grading.forms import bounded_day


class SessionForm(FlaskForm):
    title = StringField(_l("Intitulé"), validators=[DataRequired(), Length(max=200)])
    opens_at = DateTimeLocalField(_l("Ouverture des dépôts (heure de Paris)"), format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired(_l("Indiquez la date et l'heure d'ouverture."))])
    deadline_at = DateTimeLocalField(_l("Échéance (heure de Paris)"), format="%Y-%m-%dT%H:%M",
                                     validators=[DataRequired(_l("Indiquez la date et l'heure de l'échéance."))])
    cohorts = MultiCheckboxField(_l("Cohortes convoquées"), coerce=int,
                                 validators=[DataRequired(_l("Choisissez au moins une cohorte."))])
    competences = MultiCheckboxField(_l("Compétences évaluées"),
                                     validators=[DataRequired(_l("Choisissez au moins une compétence."))])
    late_allowed = BooleanField(_l("Accepter les dépôts après l'échéance (marqués « en retard »)"))
    double_marking = BooleanField(_l("Double correction (deux évaluateurs indépendants, un troisième tranche "
                                     "s'ils divergent)"))
    max_files = IntegerField(_l("Fichiers par dépôt, au plus"), default=5,
                             validators=[DataRequired(), NumberRange(1, 20, _l("Entre 1 et 20."))])
    mode = RadioField(_l("Mode de l'épreuve"), default="deposit", choices=choices([
        ("deposit", _l("Dépôt de fichier")),
        ("online", _l("En ligne, chronométrée (le candidat rédige sur la plateforme)"))]))
    case_study = SelectField(_l("Étude de cas (mode en ligne)"), coerce=int, validate_choice=False,
                             validators=[Optional()])

    def validate_case_study(self, field):
        if self.mode.data == "online" and not field.data:
            raise ValidationError(_l("Choisissez l'étude de cas que les candidats rédigeront en ligne."))

    def validate_deadline_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("L'échéance doit être postérieure à l'ouverture."))


class DepositForm(FlaskForm):
    files = MultipleFileField(_l("Fichiers (PDF, DOCX, ODT ou XLSX)"))


class AllocationForm(FlaskForm):
    """One select per copy and role, added by the view (names `copy-<id>-<role>`)."""


class ActionForm(FlaskForm):
    """A bare POST button: its CSRF token only."""


class SlotForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Début (heure de Paris)"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired(_l("Indiquez la date et l'heure."))])
    duration_minutes = IntegerField(_l("Durée (minutes)"), default=60,
                                    validators=[DataRequired(), NumberRange(10, 480, _l("Entre 10 et 480 minutes."))])
    expert = SelectField(_l("Expert métier"), coerce=int, validators=[DataRequired()])
    place = StringField(_l("Lieu"), validators=[Optional(), Length(max=200)])
    video_url = URLField(_l("Lien de visioconférence"), validators=[Optional(), Length(max=500)])

    def validate_video_url(self, field):
        if field.data and not field.data.startswith("https://"):
            raise ValidationError(_l("Le lien doit commencer par https://."))
        if not field.data and not (self.place.data or "").strip():
            raise ValidationError(_l("Indiquez un lieu ou un lien de visioconférence."))


class BookingForm(FlaskForm):
    candidate = SelectField(_l("Candidat"), coerce=int, validators=[DataRequired()])


class MarkingFormBase(FlaskForm):
    """The marking of a copy: every competence of the session (fields added by grading.forms)."""

    assessed_on = DateField(_l("Date de la correction"),
                            validators=[DataRequired(_l("Indiquez la date.")), bounded_day])
    comment = TextAreaField(_l("Appréciation générale"), validators=[Optional(), Length(max=5000)])
