"""Account forms (Flask-WTF: CSRF on every one)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length
from wtforms.widgets import CheckboxInput, ListWidget

from quiz.accounts.roles import ROLE_LABELS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def choices(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def role_choices() -> list[SelectChoice]:
    return choices((role.value, label) for role, label in ROLE_LABELS.items())


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired()])
    submit = SubmitField(_l("Se connecter"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Mot de passe actuel"), validators=[DataRequired()])
    new = PasswordField(_l("Nouveau mot de passe (10 caractères au moins)"),
                        validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField(_l("Confirmer le nouveau mot de passe"),
                            validators=[DataRequired(), EqualTo("new", message=_l("Les deux saisies diffèrent."))])
    submit = SubmitField(_l("Changer le mot de passe"))


class UserForm(FlaskForm):
    last_name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=100)])
    first_name = StringField(_l("Prénom"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    roles = MultiCheckboxField(_l("Rôles"), choices=role_choices(),
                               validators=[DataRequired(message=_l("Choisissez au moins un rôle."))])
    cohorts = MultiCheckboxField(_l("Cohortes"), choices=[], coerce=int)
    submit = SubmitField(_l("Créer le compte"))


class UserEditForm(FlaskForm):
    roles = MultiCheckboxField(_l("Rôles"), choices=role_choices(),
                               validators=[DataRequired(message=_l("Choisissez au moins un rôle."))])
    cohorts = MultiCheckboxField(_l("Cohortes"), choices=[], coerce=int)
    active = BooleanField(_l("Compte actif"))
    submit = SubmitField(_l("Enregistrer"))


class ActionForm(FlaskForm):
    """An empty form for a POST button: it carries the CSRF token."""

    submit = SubmitField(_l("Valider"))


class CohortForm(FlaskForm):
    name = StringField(_l("Nom de la cohorte"), validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Créer la cohorte"))


class CsvImportForm(FlaskForm):
    file = FileField(_l("Fichier CSV (colonnes : nom, prenom, email, cohorte)"),
                     validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("Un fichier .csv est attendu."))])
    submit = SubmitField(_l("Importer"))
