"""Languages: French by default, English on request; French number and date formats."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from babel import Locale
from babel.dates import format_datetime as format_naive_datetime
from babel.numbers import format_decimal, format_percent
from babel.support import Translations
from flask import Flask, current_app, g, request, session
from flask_babel import format_datetime, get_locale, get_translations
from markupsafe import Markup

from quiz.typography import elide, french


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang") or request.args.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def percent(value: Fraction | float | Decimal, digits: int = 1) -> str:
    """A share as a percentage in the current locale: 0.6 -> « 60,0 % » in French."""
    pattern = "#,##0." + "0" * digits + "\u202f%" if digits else "#,##0\u202f%"
    return format_percent(Decimal(float(value)), format=pattern, locale=str(get_locale()))


def number(value, digits: int = 2) -> str:
    """A number in the current locale: 1234.5 -> « 1 234,5 » in French."""
    return format_decimal(value, format="#,##0." + "#" * digits, locale=str(get_locale()))


def _translations():
    """The request's catalogue, looked up once: a page asks for it at each of its 50-odd strings,
    and Flask-Babel's own look-up walks the contexts and the domain every time (a fifth of the
    attempt page's cost, bench/README.md)."""
    try:
        return g.quiz_translations
    except AttributeError:
        g.quiz_translations = get_translations()
        return g.quiz_translations


def _locale_name() -> str:
    """The request's locale as a string, looked up once (Flask-Babel walks its contexts each time)."""
    try:
        return g.quiz_locale
    except AttributeError:
        g.quiz_locale = str(get_locale())
        return g.quiz_locale


# A template's message, translated and typeset, per locale: catalogues do not change while the
# process runs, and the attempt page asks for about 125 of them (20 questions, their labels).
# Only the templates' own literal strings are keys, so the dictionary stays as small as the catalogue.
_template_messages: dict[tuple[str, str], str] = {}


def template_gettext(message: str) -> str:
    key = (_locale_name(), message)
    try:
        return _template_messages[key]
    except KeyError:
        translated = _template_messages[key] = typography(_translations().ugettext(message))
        return translated


def decimal_text(value) -> str:
    """A number written by a bank (« 0.05 ») in the locale's terms (« 0,05 »); text kept as it is."""
    try:
        return number(Decimal(str(value)), digits=6)
    except ArithmeticError:
        return str(value)


def typography(text):
    """French no-break spaces in French pages (kept Markup when it was)."""
    if not text or _locale_name() != "fr":
        return text
    return Markup(french(str(text))) if isinstance(text, Markup) else french(str(text))


def fraction(value: Fraction) -> str:
    """An exact share as people write it: 1/3, 1/2, 1."""
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def plural_text(singular: str, plural: str, num) -> str:
    """The message for `num` in the current language, with its own plural rule.

    The source strings are French and French has no catalogue: gettext's fallback would then
    apply the English rule (« 0 bonnes réponses »). French says « 0 bonne réponse »: CLDR's rule
    of the locale decides whenever no catalogue does.
    """
    translations = _translations()
    if isinstance(translations, Translations) and getattr(translations, "files", None):
        return translations.ungettext(singular, plural, num)
    return singular if Locale.parse(str(get_locale())).plural_form(abs(num)) == "one" else plural


def ngettext(singular: str, plural: str, num, **variables) -> str:
    """flask_babel's ngettext with the plural rule of `plural_text`, and French typography."""
    return typography(plural_text(singular, plural, num)) % ({"num": num} | variables)


def duration(value: timedelta) -> str:
    """A duration as people say it: « 40 minutes », « 1 h 20 min », « 39 min 54 s »."""
    seconds = int(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if not hours and not secs:
        return ngettext("%(num)d minute", "%(num)d minutes", minutes)
    parts = ([f"{hours}\u00a0h"] if hours else []) + ([f"{minutes}\u00a0min"] if minutes or hours else [])
    return " ".join(parts + ([f"{secs}\u00a0s"] if secs else []))


def init_app(app: Flask) -> None:
    from quiz.extensions import babel

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/translations"),
    )
    # Every message of the templates (JavaScript's included) gets French typography before its
    # variables are filled in, so names and answers are never altered.
    app.jinja_env.install_gettext_callables(
        gettext=template_gettext,
        ngettext=lambda s, p, n: typography(plural_text(s, p, n)),
        pgettext=lambda c, s: typography(_translations().upgettext(c, s)),
        newstyle=True,
    )
    app.jinja_env.filters["typo"] = typography
    app.jinja_env.filters["elide"] = lambda following, word: elide(word, following)
    app.jinja_env.filters["fraction"] = fraction
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["decimal"] = decimal_text
    app.jinja_env.filters["localdatetime"] = lambda value, fmt="d MMM y, HH:mm": (
        format_naive_datetime(value, fmt, locale=str(get_locale())) if value else "")
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["datetime"] = lambda value, fmt="d MMM y, HH:mm": format_datetime(value, fmt) if value else ""
    app.jinja_env.globals["get_locale"] = get_locale
