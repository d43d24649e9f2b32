"""Forms of the bank editor (CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, TextAreaField


class EditorForm(FlaskForm):
    """The bank text; the button pressed (`action`) says what to do with it."""

    text = TextAreaField(_l("Texte Markdown de la banque"))


class MoodleUploadForm(FlaskForm):
    file = FileField(_l("Export Moodle (XML ou GIFT, UTF-8)"), validators=[FileRequired(_l("Choisissez un fichier."))])


class MoodleTargetForm(FlaskForm):
    """Step two: the file's text comes back with the bank chosen to receive its questions."""

    kind = HiddenField()
    filename = HiddenField()
    source = TextAreaField()
    thematic = SelectField(_l("Banque qui reçoit les questions"), coerce=int)


class UploadForm(FlaskForm):
    file = FileField(_l("Fichier de banque (.md, UTF-8)"), validators=[FileRequired(_l("Choisissez un fichier."))])
