"""Every route of the app, every kind of visitor: the answer each one gets.

MATRIX holds one entry per (rule, method) of `app.url_map`. A route with no entry fails
`test_every_route_has_an_entry`: whoever adds a route decides here who may reach it.

Visitors: anonymous, the candidate who owns the objects in the URL, another candidate, an
assessor, a trainer, an administrator, and a candidate whose account was deactivated after
logging in. Expected answers: a status code, or LOGIN (a redirect to the login page).
A route whose request changes objects that other routes' URLs use (submitting an attempt)
is marked `fresh=True` and gets a world of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import url_for
from werkzeug.exceptions import MethodNotAllowed, NotFound

from tests.security.conftest import client_as, page_scripts_are_external
from tests.security.world import World, build_world, deactivate

LOGIN = "login"
VISITORS = ("anonymous", "deactivated", "other", "assessor", "trainer", "admin", "candidate")
ROLE_OF = {"candidate": "candidate", "other": "candidate", "assessor": "assessor", "trainer": "trainer",
           "admin": "admin"}
AUTHENTICATED = ("other", "assessor", "trainer", "admin", "candidate")


@dataclass(frozen=True)
class Case:
    expect: dict[str, int | str]
    args: Callable[[World], dict] = lambda w: {}
    data: dict | None = None
    json: dict | None = None
    query_args: Callable[[World], dict] = lambda w: {}
    fresh: bool = False  # the request changes objects other routes use: give it a world of its own


def everyone(code, **kw) -> Case:
    return Case({v: code for v in VISITORS}, **kw)


def logged_in(code, **kw) -> Case:
    """Any active account; visitors without one go to login."""
    return Case({"anonymous": LOGIN, "deactivated": LOGIN} | {v: code for v in AUTHENTICATED}, **kw)


def roles(*allowed: str, ok=200, **kw) -> Case:
    """Accounts holding one of `allowed` get `ok`, other accounts 403, visitors without one go to login."""
    expect = {"anonymous": LOGIN, "deactivated": LOGIN}
    expect |= {v: ok if ROLE_OF[v] in allowed else 403 for v in AUTHENTICATED}
    return Case(expect, **kw)


def owner_only(ok, **kw) -> Case:
    """Only the candidate the object belongs to; anyone else is told it does not exist."""
    expect = {"anonymous": LOGIN, "deactivated": LOGIN} | {v: 404 for v in AUTHENTICATED}
    return Case(expect | {"candidate": ok}, **kw)


def with_(case: Case, **expect) -> Case:
    return Case(case.expect | expect, case.args, case.data, case.json, case.query_args, case.fresh)


def of(**names: str) -> Callable[[World], dict]:
    """URL values from world ids: of(attempt_id="candidate_attempt")."""
    return lambda w: {arg: w[name] for arg, name in names.items()}


JURY = ("assessor", "admin")
AUTHORS = ("trainer", "admin")
NO_SUCH = 999_999

MATRIX: dict[tuple[str, str], Case] = {
    # --- pages for everyone ---------------------------------------------------------------------------
    ("/static/<path:filename>", "GET"): everyone(200, args=lambda w: {"filename": "css/app.css"}),
    ("/healthz", "GET"): everyone(200),
    ("/banks/assets/<path:filename>", "GET"): logged_in(200, args=lambda w: {"filename": "schema.png"}),
    ("/lang/<code>", "POST"): everyone(302, args=lambda w: {"code": "en"}),
    ("/login", "GET"): with_(logged_in(302), anonymous=200, deactivated=200),
    ("/login", "POST"): with_(logged_in(302), anonymous=200, deactivated=200),
    ("/", "GET"): logged_in(200),
    ("/logout", "POST"): everyone(LOGIN),
    ("/account/password", "GET"): logged_in(200),
    ("/account/password", "POST"): logged_in(200),
    # Anonymous pages: asking for a reset link, using one (a bad token goes back to the request form).
    ("/mot-de-passe-oublie", "GET"): everyone(200),
    ("/mot-de-passe-oublie", "POST"): everyone(200),
    ("/mot-de-passe-oublie/<token>", "GET"): everyone(302, args=lambda w: {"token": "faux"}),
    ("/mot-de-passe-oublie/<token>", "POST"): everyone(302, args=lambda w: {"token": "faux"}),
    ("/compte/notifications", "GET"): roles("candidate"),
    ("/compte/notifications", "POST"): roles("candidate", ok=302),
    # --- administration of accounts -------------------------------------------------------------------
    ("/admin/", "GET"): roles("admin"),
    ("/admin/users", "GET"): roles("admin"),
    ("/admin/users/new", "GET"): roles("admin"),
    ("/admin/users/new", "POST"): roles("admin"),
    ("/admin/users/<int:user_id>", "GET"): roles("admin", args=of(user_id="victim")),
    ("/admin/users/<int:user_id>", "POST"): roles("admin", args=of(user_id="victim")),
    ("/admin/users/<int:user_id>/reset-password", "POST"): roles("admin", args=of(user_id="victim")),
    ("/admin/cohorts", "GET"): roles("admin"),
    ("/admin/cohorts", "POST"): roles("admin"),
    ("/admin/cohorts/<int:cohort_id>", "GET"): roles("admin", args=of(cohort_id="cohort")),
    ("/admin/import", "GET"): roles("admin"),
    ("/admin/import", "POST"): roles("admin"),
    ("/admin/audit/", "GET"): roles("admin"),
    ("/admin/courriels", "GET"): roles("admin"),
    ("/admin/courriels/<int:message_id>", "GET"): roles("admin", args=lambda w: {"message_id": w["message"]}),
    ("/admin/courriels/<int:message_id>/renvoyer", "POST"): roles(
        "admin", ok=302, args=lambda w: {"message_id": w["message"]}),
    # --- questionnaires: candidates -------------------------------------------------------------------
    ("/questionnaires", "GET"): roles("candidate"),
    ("/sessions/<int:session_id>/start", "GET"): roles("candidate", args=of(session_id="session")),
    ("/sessions/<int:session_id>/start", "POST"): roles("candidate", ok=302, args=of(session_id="session")),
    ("/attempts/<int:attempt_id>/mode", "POST"): owner_only(302, args=of(attempt_id="candidate_attempt")),
    ("/attempts/<int:attempt_id>", "GET"): owner_only(200, args=of(attempt_id="candidate_attempt")),
    ("/attempts/<int:attempt_id>", "POST"): owner_only(302, args=of(attempt_id="candidate_attempt")),
    ("/attempts/<int:attempt_id>/submit", "GET"): owner_only(200, args=of(attempt_id="candidate_attempt")),
    ("/attempts/<int:attempt_id>/submit", "POST"): owner_only(302, args=of(attempt_id="candidate_attempt"),
                                                              fresh=True),
    ("/attempts/<int:attempt_id>/result", "GET"): owner_only(200, args=of(attempt_id="candidate_finished")),
    ("/attempts/<int:attempt_id>/review", "GET"): owner_only(200, args=of(attempt_id="candidate_finished")),
    # The JSON API answers 401 (in JSON) where pages redirect to the login page.
    ("/api/attempts/<int:attempt_id>/status", "GET"): with_(
        owner_only(200, args=of(attempt_id="candidate_attempt")), anonymous=401, deactivated=401),
    ("/api/attempts/<int:attempt_id>/answers/<int:position>", "POST"): with_(owner_only(
        200, args=lambda w: {"attempt_id": w["candidate_attempt"], "position": 1}, json={"flagged": True}),
        anonymous=401, deactivated=401),
    # --- questionnaires: trainers and administrators --------------------------------------------------
    ("/manage/", "GET"): roles(*AUTHORS),
    ("/manage/questionnaires/new", "GET"): roles(*AUTHORS),
    ("/manage/questionnaires/new", "POST"): roles(*AUTHORS),
    ("/manage/questionnaires/<int:questionnaire_id>", "GET"): roles(
        *AUTHORS, args=of(questionnaire_id="questionnaire")),
    # An empty form keeps the questionnaire's own values (WTForms falls back on the object): saved, redirected.
    ("/manage/questionnaires/<int:questionnaire_id>", "POST"): roles(
        *AUTHORS, ok=302, args=of(questionnaire_id="questionnaire")),
    ("/manage/questionnaires/<int:questionnaire_id>/trial", "POST"): roles(
        *AUTHORS, ok=302, args=of(questionnaire_id="questionnaire")),
    ("/manage/sessions/new", "GET"): roles(*AUTHORS),
    ("/manage/sessions/new", "POST"): roles(*AUTHORS),
    ("/manage/sessions/<int:session_id>", "GET"): roles(*AUTHORS, args=of(session_id="session")),
    ("/manage/sessions/<int:session_id>/edit", "GET"): roles(*AUTHORS, args=of(session_id="session")),
    ("/manage/sessions/<int:session_id>/edit", "POST"): roles(*AUTHORS, args=of(session_id="session")),
    ("/manage/attempts/<int:attempt_id>/late", "GET"): roles(*AUTHORS, args=of(attempt_id="candidate_finished")),
    ("/manage/attempts/<int:attempt_id>/late", "POST"): roles("admin", args=of(attempt_id="candidate_finished")),
    ("/manage/accommodations", "GET"): roles("admin"),
    ("/manage/accommodations", "POST"): roles("admin"),
    # --- ledger ---------------------------------------------------------------------------------------
    ("/registre/", "GET"): roles("candidate"),
    ("/registre/candidats/<int:candidate_id>", "GET"): with_(
        roles(*JURY, args=of(candidate_id="candidate")), candidate=200),
    ("/registre/candidats/<int:candidate_id>/attestation.pdf", "GET"): with_(
        roles(*JURY, args=of(candidate_id="candidate")), candidate=200),
    ("/registre/jury", "GET"): roles(*JURY),
    ("/registre/jury/export.<fmt>", "GET"): roles(*JURY, args=lambda w: {"fmt": "csv"}),
    # --- grading --------------------------------------------------------------------------------------
    ("/evaluation/", "GET"): roles(*JURY),
    ("/evaluation/candidats/<int:candidate_id>/<modality>", "GET"): roles(
        *JURY, args=lambda w: {"candidate_id": w["candidate"], "modality": "E5"}),
    ("/evaluation/candidats/<int:candidate_id>/<modality>", "POST"): roles(
        *JURY, args=lambda w: {"candidate_id": w["candidate"], "modality": "E5"}),
    ("/evaluation/corrections/<int:entry_id>", "GET"): roles(*JURY, args=of(entry_id="candidate_entry")),
    ("/evaluation/corrections/<int:entry_id>", "POST"): roles(*JURY, args=of(entry_id="candidate_entry")),
    ("/evaluation/pieces/<int:file_id>", "GET"): with_(
        roles(*JURY, args=of(file_id="candidate_evidence")), candidate=200),
    # --- assessments: deposits (the candidate deposited in the world's E5 session) -------------------
    ("/epreuves/", "GET"): roles("candidate"),
    ("/epreuves/<int:session_id>", "GET"): roles("candidate", args=of(session_id="assessment_session")),
    ("/epreuves/<int:session_id>", "POST"): roles("candidate", args=of(session_id="assessment_session")),
    ("/epreuves/accuses/<int:version_id>", "GET"): with_(
        owner_only(200, args=of(version_id="deposit_version")), admin=200),
    ("/epreuves/accuses/<int:version_id>.pdf", "GET"): with_(
        owner_only(200, args=of(version_id="deposit_version")), admin=200),
    ("/epreuves/fichiers/<int:file_id>", "GET"): with_(owner_only(200, args=of(file_id="deposit_file")), admin=200),
    # --- assessments: an E3 case study written online (the candidate is writing it) ------------------
    ("/epreuves/<int:session_id>/en-ligne", "GET"): with_(
        roles("candidate", args=of(session_id="e3_session")), candidate=302),
    ("/epreuves/<int:session_id>/en-ligne", "POST"): roles("candidate", ok=302, args=of(session_id="e3_session"),
                                                           fresh=True),
    ("/epreuves/redaction/<int:attempt_id>", "GET"): with_(
        owner_only(200, args=of(attempt_id="online_attempt")), assessor=403, trainer=403, admin=403),
    ("/epreuves/redaction/<int:attempt_id>", "POST"): with_(
        owner_only(302, args=of(attempt_id="online_attempt"), data={"q1": "Texte."}), assessor=403, trainer=403,
        admin=403),
    ("/epreuves/redaction/<int:attempt_id>/remettre", "GET"): with_(
        owner_only(200, args=of(attempt_id="online_attempt")), assessor=403, trainer=403, admin=403),
    ("/epreuves/redaction/<int:attempt_id>/remettre", "POST"): with_(
        owner_only(302, args=of(attempt_id="online_attempt"), fresh=True), assessor=403, trainer=403, admin=403),
    ("/epreuves/redaction/<int:attempt_id>/remise", "GET"): with_(
        owner_only(302, args=of(attempt_id="online_attempt")), assessor=403, trainer=403, admin=403),
    ("/epreuves/redaction/<int:attempt_id>/documents/<int:index>", "GET"): with_(
        owner_only(200, args=lambda w: {"attempt_id": w["online_attempt"], "index": 0}), assessor=403,
        trainer=403, admin=403),
    ("/epreuves/api/redaction/<int:attempt_id>/answers/<int:position>", "POST"): owner_only(
        200, args=lambda w: {"attempt_id": w["online_attempt"], "position": 1}, json={"response": "Texte."}),
    ("/epreuves/api/redaction/<int:attempt_id>/status", "GET"): owner_only(200, args=of(attempt_id="online_attempt")),
    ("/epreuves/gestion/redaction/<int:attempt_id>/tardives", "GET"): roles(
        "admin", args=of(attempt_id="online_attempt")),
    ("/epreuves/gestion/redaction/<int:attempt_id>/tardives", "POST"): roles(
        "admin", args=of(attempt_id="online_attempt")),
    ("/epreuves/gestion/", "GET"): roles("admin"),
    ("/epreuves/gestion/nouvelle", "GET"): roles("admin"),
    ("/epreuves/gestion/nouvelle", "POST"): roles("admin"),
    ("/epreuves/gestion/<int:session_id>", "GET"): roles("admin", args=of(session_id="assessment_session")),
    ("/epreuves/gestion/<int:session_id>/modifier", "GET"): roles("admin", args=of(session_id="assessment_session")),
    ("/epreuves/gestion/<int:session_id>/modifier", "POST"): roles("admin", args=of(session_id="assessment_session")),
    ("/epreuves/copies/", "GET"): roles("assessor"),
    ("/epreuves/copies/<int:marking_id>", "GET"): roles("assessor", args=of(marking_id="marking")),
    ("/epreuves/copies/<int:marking_id>", "POST"): roles("assessor", args=of(marking_id="marking")),
    ("/epreuves/copies/<int:marking_id>/fichiers/<int:file_id>", "GET"): roles(
        "assessor", args=of(marking_id="marking", file_id="deposit_file")),
    ("/epreuves/gestion/<int:session_id>/attribution", "GET"): roles("admin", args=of(session_id="assessment_session")),
    ("/epreuves/gestion/<int:session_id>/attribution", "POST"): roles(
        "admin", ok=302, args=of(session_id="assessment_session")),
    ("/epreuves/gestion/<int:session_id>/attribution/automatique", "POST"): roles(
        "admin", ok=302, args=of(session_id="assessment_session"), fresh=True),
    ("/epreuves/gestion/<int:session_id>/publier", "POST"): roles(
        "admin", ok=302, args=of(session_id="assessment_session")),
    ("/epreuves/gestion/<int:session_id>/copies.zip", "GET"): roles("admin", args=of(session_id="assessment_session")),
    ("/epreuves/candidats/<int:candidate_id>/corrections", "GET"): roles(*JURY, args=of(candidate_id="candidate")),
    ("/epreuves/gestion/<int:session_id>/creneaux", "GET"): roles("admin", args=of(session_id="e4_session")),
    ("/epreuves/gestion/<int:session_id>/creneaux", "POST"): roles("admin", args=of(session_id="e4_session")),
    ("/epreuves/gestion/creneaux/<int:slot_id>/attribuer", "POST"): roles("admin", ok=302, args=of(slot_id="slot")),
    ("/epreuves/<int:session_id>/creneaux", "GET"): roles("candidate", args=of(session_id="e4_session")),
    # The world's slot is the candidate's: booking it again keeps it, the other candidate is refused.
    ("/epreuves/creneaux/<int:slot_id>/reserver", "POST"): roles("candidate", ok=302, args=of(slot_id="slot")),
    ("/epreuves/creneaux/<int:slot_id>/convocation", "GET"): with_(
        owner_only(200, args=of(slot_id="slot")), admin=200, assessor=200),
    ("/epreuves/creneaux/<int:slot_id>/convocation.pdf", "GET"): with_(
        owner_only(200, args=of(slot_id="slot")), admin=200, assessor=200),
    # --- authoring ------------------------------------------------------------------------------------
    ("/atelier/banques", "GET"): roles(*AUTHORS),
    ("/atelier/banques/<int:number>", "GET"): roles(*AUTHORS, args=lambda w: {"number": 1}),
    ("/atelier/banques/<int:number>", "POST"): roles(*AUTHORS, ok=400, args=lambda w: {"number": 1}),
    ("/atelier/banques/<int:number>/apercu", "GET"): roles(*AUTHORS, args=lambda w: {"number": 1}),
    ("/atelier/banques/<int:number>/comparer", "GET"): roles(
        *AUTHORS, args=lambda w: {"number": 1}, query_args=lambda w: {"de": w["revision"], "a": w["revision"]}),
    ("/atelier/banques/<int:number>/historique", "GET"): roles(*AUTHORS, args=lambda w: {"number": 1}),
    ("/atelier/banques/<int:number>/telecharger", "GET"): roles(*AUTHORS, args=lambda w: {"number": 1}),
    ("/atelier/banques/<int:number>/televerser", "POST"): roles(*AUTHORS, ok=302, args=lambda w: {"number": 1}),
    ("/atelier/banques/<int:number>/validation", "POST"): roles(
        *AUTHORS, args=lambda w: {"number": 1}, json={"text": ""}),
    ("/atelier/banques/<int:number>/versions/<int:revision_id>", "GET"): roles(
        *AUTHORS, args=lambda w: {"number": 1, "revision_id": w["revision"]}),
    ("/atelier/banques/<int:number>/versions/<int:revision_id>/telecharger", "GET"): roles(
        *AUTHORS, args=lambda w: {"number": 1, "revision_id": w["revision"]}),
    ("/atelier/import-moodle", "GET"): roles(*AUTHORS),
    ("/atelier/import-moodle", "POST"): roles(*AUTHORS, ok=400),
    ("/atelier/import-moodle/destination", "POST"): roles(*AUTHORS, ok=400),
    ("/atelier/statistiques", "GET"): roles(*AUTHORS),
    ("/atelier/statistiques/<int:questionnaire_id>", "GET"): roles(*AUTHORS, args=of(questionnaire_id="questionnaire")),
    ("/atelier/statistiques/statistiques.csv", "GET"): roles(*AUTHORS),
    # --- certification (NO_SUCH: an id nothing has, for objects the world does not hold) ----------------
    ("/verification/<code>", "GET"): everyone(404, args=lambda w: {"code": "x" * 32}),
    ("/confidentialite", "GET"): everyone(200),
    ("/certification/parametres", "GET"): roles("admin"),
    ("/certification/parametres", "POST"): roles("admin"),
    ("/certification/parametres/logo", "GET"): roles("admin", ok=404),
    ("/certification/mon-etat-civil", "GET"): roles("candidate"),
    ("/certification/mon-etat-civil", "POST"): roles("candidate"),
    ("/certification/etats-civils", "GET"): roles(*JURY),
    ("/certification/etats-civils", "POST"): roles(*JURY),
    ("/certification/etats-civils/<int:user_id>", "GET"): roles("admin", args=of(user_id="victim")),
    ("/certification/etats-civils/<int:user_id>", "POST"): roles("admin", args=of(user_id="victim")),
    ("/certification/mes-donnees.zip", "GET"): logged_in(200),
    ("/certification/comptes/<int:user_id>/donnees.zip", "GET"): roles("admin", args=of(user_id="victim")),
    ("/certification/jurys", "GET"): roles(*JURY),
    ("/certification/jurys/nouveau", "GET"): roles("admin"),
    ("/certification/jurys/nouveau", "POST"): roles("admin"),
    ("/certification/jurys/<int:session_id>", "GET"): roles(*JURY, args=of(session_id="jury")),
    ("/certification/jurys/<int:session_id>/candidats", "POST"): roles("admin", ok=302, args=of(session_id="jury")),
    ("/certification/jurys/<int:session_id>/candidats/<int:candidate_id>", "GET"): roles(
        *JURY, args=of(session_id="jury", candidate_id="candidate")),
    ("/certification/jurys/<int:session_id>/candidats/<int:candidate_id>", "POST"): roles(
        *JURY, args=of(session_id="jury", candidate_id="candidate")),
    ("/certification/jurys/<int:session_id>/candidats/<int:candidate_id>/retirer", "POST"): roles(
        "admin", ok=302, args=of(session_id="jury", candidate_id="candidate"), fresh=True),
    ("/certification/jurys/<int:session_id>/clore", "POST"): roles("admin", ok=302, args=of(session_id="jury")),
    ("/certification/jurys/<int:session_id>/pv.pdf", "GET"): roles(*JURY, args=of(session_id="jury")),
    ("/certification/jurys/<int:session_id>/certificats.zip", "GET"): roles(
        "admin", ok=302, args=of(session_id="jury")),
    ("/certification/certificats/<int:certificate_id>", "GET"): roles(
        "admin", ok=404, args=lambda w: {"certificate_id": NO_SUCH}),
    ("/certification/certificats/<int:certificate_id>", "POST"): roles(
        "admin", ok=404, args=lambda w: {"certificate_id": NO_SUCH}),
    ("/certification/certificats/<int:certificate_id>.pdf", "GET"): roles(
        "admin", "candidate", ok=404, args=lambda w: {"certificate_id": NO_SUCH}),
    ("/certification/cpf", "GET"): roles("admin"),
    ("/certification/cpf/export", "POST"): roles("admin", ok=302),
    ("/certification/cpf/<int:submission_id>.xml", "GET"): roles(
        "admin", ok=404, args=lambda w: {"submission_id": NO_SUCH}),
    ("/certification/cpf/<int:submission_id>/depose", "POST"): roles(
        "admin", ok=302, args=lambda w: {"submission_id": NO_SUCH}),
}

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def routes(app) -> list[tuple[str, str, str]]:
    """(rule, method, endpoint) for every rule of the app and every method it answers."""
    return sorted(
        (rule.rule, method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def test_every_route_has_an_entry(app):
    present = {(rule, method) for rule, method, _ in routes(app)}
    missing = sorted(present - MATRIX.keys())
    stale = sorted(MATRIX.keys() - present)
    assert not missing, "routes without an entry in MATRIX (add who may reach them): " + repr(missing)
    assert not stale, "MATRIX entries for routes that no longer exist: " + repr(stale)


def _url(app, rule: str, endpoint: str, values: dict) -> str:
    matching = [r for r in app.url_map.iter_rules(endpoint) if r.rule == rule]
    (target,) = matching
    with app.test_request_context():
        url = url_for(endpoint, **values)
    adapter = app.url_map.bind("localhost")
    matched, _ = adapter.match(url.split("?")[0], method=next(iter(target.methods - {"HEAD", "OPTIONS"})))
    assert matched == endpoint, f"{url} does not reach {rule}"
    return url


def _outcome(response) -> int | str:
    if response.status_code in (301, 302, 303) and "/login" in response.headers.get("Location", ""):
        return LOGIN
    return response.status_code


def test_every_visitor_gets_the_expected_answer_on_every_route(app, make_user, clock, tmp_path):
    """Routes share one world, except those marked `fresh` (their request changes what others use)."""
    app.config["QUESTION_BANKS_DIR"] = str(tmp_path / "banks")
    (tmp_path / "banks" / "assets").mkdir(parents=True)
    (tmp_path / "banks" / "assets" / "schema.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    mismatches = []
    checked = 0
    shared = build_world(make_user, clock)
    for rule, method, endpoint in routes(app):
        case = MATRIX.get((rule, method))
        if case is None:
            continue
        world = build_world(make_user, clock) if case.fresh else shared
        clients = {v: client_as(app, world.users.get(v)) for v in VISITORS}
        deactivate(world.users["deactivated"])
        url = _url(app, rule, endpoint, case.args(world))
        for visitor in VISITORS:
            checked += 1
            try:
                response = clients[visitor].open(url, method=method, data=case.data, json=case.json,
                                                 query_string=case.query_args(world))
            except Exception as exc:  # a crash is a finding like any other: report them all at once
                mismatches.append(f"{method} {url} as {visitor}: raised {type(exc).__name__}: {exc}")
                from quiz.extensions import db

                db.session.rollback()
                continue
            got, want = _outcome(response), case.expect[visitor]
            if got != want:
                mismatches.append(f"{method} {url} as {visitor}: got {got}, expected {want}")
            elif response.status_code == 200 and response.mimetype == "text/html":
                problems = page_scripts_are_external(response.get_data(as_text=True))
                if problems:
                    mismatches.append(f"{method} {url} as {visitor}: inline script {problems}")
    assert checked >= len(MATRIX) * len(VISITORS)
    assert not mismatches, "\n".join(mismatches)


def test_other_methods_are_refused_with_405(app, client):
    """A method a rule does not declare gets 405, whoever asks (no view code runs)."""
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        values = {name: "1" if rule._converters[name].__class__.__name__ != "IntegerConverter" else 1
                  for name in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]
        for method in METHODS:
            if method in rule.methods:
                continue
            try:
                adapter.match(path, method=method)
            except MethodNotAllowed:
                assert client.open(path, method=method).status_code == 405, f"{method} {path}"
            except NotFound:
                pytest.fail(f"{path} built from {rule.rule} matches no rule")
