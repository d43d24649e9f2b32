"""The certification forms (Flask-WTF: CSRF on every one)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from quiz.certification.cpf import ACCESS_MODES

ACCESS_LABELS = {
    "FORMATION_INITIALE_HORS_APPRENTISSAGE": _l("Formation initiale hors apprentissage"),
    "FORMATION_INITIALE_APPRENTISSAGE": _l("Formation initiale en apprentissage"),
    "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION":
        _l("Formation continue hors contrat de professionnalisation"),
    "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION": _l("Formation continue en contrat de professionnalisation"),
    "VAE": _l("Validation des acquis de l'expérience (VAE)"),
    "EQUIVALENCE_DIPLOME_ETRANGER": _l("Équivalence d'un diplôme étranger"),
    "CANDIDAT_LIBRE": _l("Candidat libre"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SettingsForm(FlaskForm):
    name = StringField(_l("Nom du certificateur"), validators=[Length(max=200)])
    siret = StringField(_l("SIRET (14 chiffres)"), validators=[Length(max=20)])
    address = TextAreaField(_l("Adresse"), validators=[Length(max=500)])
    rncp_code = StringField(_l("Code RNCP du titre (ex. RNCP38577)"), validators=[Length(max=12)])
    certification_code = StringField(_l("Code certification"), validators=[Length(max=20)])
    signatory_name = StringField(_l("Signataire : nom"), validators=[Length(max=200)])
    signatory_quality = StringField(_l("Signataire : qualité"), validators=[Length(max=200)])
    cpf_id_client = StringField(_l("SI CPF : idClient (8 caractères)"), validators=[Length(max=8)])
    cpf_id_contrat = StringField(_l("SI CPF : idContrat"), validators=[Length(max=20)])
    cpf_access_mode = SelectField(_l("SI CPF : modalité d'accès déclarée"),
                                  choices=[SelectChoice(m, ACCESS_LABELS[m]) for m in ACCESS_MODES])
    public_base_url = StringField(_l("Adresse publique de la plateforme (pour les liens de vérification)"),
                                  validators=[Length(max=200)])
    logo = FileField(_l("Logo (PNG ou JPEG, 512 Ko au plus)"))
    remove_logo = BooleanField(_l("Retirer le logo actuel"))
    comptes_inactifs = IntegerField(_l("Comptes de candidats sans certificat, sans connexion depuis (mois)"),
                                    validators=[DataRequired(), NumberRange(1, 600)])
    etat_civil_non_laureats = IntegerField(_l("État civil des candidats sans certificat (mois)"),
                                           validators=[DataRequired(), NumberRange(1, 600)])
    echecs_connexion = IntegerField(_l("Traces d'échecs de connexion (mois)"),
                                    validators=[DataRequired(), NumberRange(1, 600)])
    submit = SubmitField(_l("Enregistrer"))


class IdentityForm(FlaskForm):
    birth_name = StringField(_l("Nom de naissance"), validators=[DataRequired(), Length(max=60)])
    usage_name = StringField(_l("Nom d'usage (s'il diffère)"), validators=[Length(max=60)])
    first_name1 = StringField(_l("Premier prénom"), validators=[DataRequired(), Length(max=60)])
    first_name2 = StringField(_l("Deuxième prénom"), validators=[Length(max=60)])
    first_name3 = StringField(_l("Troisième prénom"), validators=[Length(max=60)])
    birth_date = DateField(_l("Date de naissance"), validators=[DataRequired()])
    sex = RadioField(_l("Sexe (à l'état civil)"), choices=[SelectChoice("F", _l("Féminin")),
                                                           SelectChoice("M", _l("Masculin"))],
                     validators=[DataRequired()])
    born_abroad = BooleanField(_l("Né(e) à l'étranger"))
    commune_code = StringField(_l("Code INSEE de la commune de naissance (5 caractères, ex. 69123)"),
                               validators=[Length(max=5)])
    country_code = StringField(_l("Né(e) à l'étranger : code INSEE du pays (ex. 99134)"), validators=[Length(max=5)])
    birth_place = StringField(_l("Commune ou pays de naissance, en toutes lettres"), validators=[Length(max=60)])
    submit = SubmitField(_l("Enregistrer l'état civil"))


class CsvForm(FlaskForm):
    file = FileField(_l("Fichier CSV des états civils"), validators=[FileRequired()])
    submit = SubmitField(_l("Importer"))


class MemberForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(_l("Nom"), validators=[Length(max=200)])
    quality = StringField(_l("Qualité"), validators=[Length(max=200)])


class SessionForm(FlaskForm):
    held_on = DateField(_l("Date de la délibération"), validators=[DataRequired()])
    place = StringField(_l("Lieu"), validators=[DataRequired(), Length(max=200)])
    members = FieldList(FormField(MemberForm), min_entries=5, max_entries=10)
    president = RadioField(_l("Président du jury"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Créer la session"))


class PresentForm(FlaskForm):
    cohort = SelectField(_l("Toute une cohorte"), coerce=int, validators=[Optional()])
    ready = MultiCheckboxField(_l("Candidats prêts selon le registre"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Présenter au jury"))


class DecisionForm(FlaskForm):
    outcome = RadioField(_l("Décision du jury"), choices=[
        SelectChoice("title", _l("Titre délivré")),
        SelectChoice("blocs", _l("Blocs délivrés (certification partielle)")),
        SelectChoice("none", _l("Non délivré"))], validators=[DataRequired()])
    blocs = MultiCheckboxField(_l("Blocs délivrés"), validators=[Optional()])
    reason = TextAreaField(_l("Motif (obligatoire si la décision s'écarte de la proposition)"),
                           validators=[Length(max=2000)])
    submit = SubmitField(_l("Enregistrer la décision"))


class CloseForm(FlaskForm):
    president_name = StringField(_l("Nom du président, qui clôt la délibération"),
                                 validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Clore la délibération"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Motif de l'annulation"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Annuler ce certificat"))


class ActionForm(FlaskForm):
    submit = SubmitField(_l("Valider"))


class SentForm(FlaskForm):
    acknowledgement = StringField(_l("Référence de l'accusé de réception"),
                                  validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Marquer comme déposé"))


class ExportForm(FlaskForm):
    jury = SelectField(_l("Certificats à inclure"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Générer le fichier XML"))
