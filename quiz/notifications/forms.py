"""Forms of the outbox pages (CSRF on each)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField


class ActionForm(FlaskForm):
    """A bare POST button: its CSRF token only."""


class PreferencesForm(FlaskForm):
    reminder_j7 = BooleanField(_l("Rappel sept jours avant une échéance (dépôt, entretien)"))
    reminder_j1 = BooleanField(_l("Rappel la veille d'une échéance (dépôt, entretien)"))
