"""Languages: French by default, English on request; French number and date formats."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from babel.numbers import format_decimal, format_percent
from flask import Flask, current_app, g, request, session
from flask_babel import format_datetime, get_locale, get_translations


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang") or request.args.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def percent(value: Fraction | float | Decimal, digits: int = 1) -> str:
    """A share as a percentage in the current locale: 0.6 -> « 60,0 % » in French."""
    pattern = "#,##0." + "0" * digits + " %" if digits else "#,##0 %"
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


def init_app(app: Flask) -> None:
    from quiz.extensions import babel

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/translations"),
    )
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["datetime"] = lambda value, fmt="d MMM y, HH:mm": format_datetime(value, fmt) if value else ""
    app.jinja_env.globals["get_locale"] = get_locale
