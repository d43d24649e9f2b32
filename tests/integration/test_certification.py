"""The certification chain on both engines: settings, identities, jury, certificates, verification,
SI CPF, personal data; through the views where a person would act."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from quiz.audit.models import AuditEvent
from quiz.certification import cpf, crypto, privacy, service
from quiz.certification.cli import cpf_cli, identity_cli, purge_command
from quiz.certification.identity import Identity
from quiz.certification.models import Certificate, CivilIdentity, ImmutableError, JuryDecision, JurySession
from quiz.extensions import db
from quiz.referential import load_referential
from tests.integration.test_ledger_views import pass_everything, pdf_text

REF = load_referential()
COMPETENCES = [c for b in REF.blocs for c in b.competences]
def png(size=(40, 20)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (20, 60, 120)).save(out, "PNG")
    return out.getvalue()


PNG = png()


def identity_of(name: str, **kw) -> Identity:
    return Identity(**({"birth_name": name, "first_name1": "Anne", "birth_date": date(1990, 6, 5), "sex": "F",
                        "commune_code": "69123", "birth_place": "Lyon"} | kw))


@pytest.fixture
def world(make_user, clock):
    """An administrator, an assessor, the full title (Arnaud), blocs B2+B3 (Bernard), nothing (Colin)."""
    admin = make_user(roles=("admin",))
    assessor = make_user(roles=("assessor",))
    full = make_user(cohort="Promo A", first_name="Anne", last_name="Arnaud")
    partial = make_user(cohort="Promo A", first_name="Élodie", last_name="Bernard")
    none = make_user(cohort="Promo A", first_name="Chloé", last_name="Colin")
    pass_everything(full.id, assessor.id, COMPETENCES, date(2026, 5, 4))
    pass_everything(partial.id, assessor.id, [*REF.bloc("B2").competences, *REF.bloc("B3").competences],
                    date(2026, 6, 1))
    service.update_settings({"name": "Institut CAE", "siret": "73282932000074",
                             "address": "1 rue de la Paix\n75002 Paris",
                             "rncp_code": "RNCP38577", "signatory_name": "Marie Curie",
                             "signatory_quality": "Directrice", "cpf_id_client": "AB12CD34",
                             "cpf_id_contrat": "MCFCER000123", "public_base_url": "https://certif.example.org"})
    service.save_identity(full.id, identity_of("Arnaud"), "admin")
    service.save_identity(partial.id, identity_of("Bernard", first_name1="Élodie", commune_code="",
                                                  country_code="99134", birth_place="Espagne"), "admin")
    return {"admin": admin, "assessor": assessor, "full": full, "partial": partial, "none": none}


def held_jury(world, close=True) -> JurySession:
    session = service.create_session(date(2026, 6, 15), "Paris", [
        service.MemberInput("Jeanne Président", "Directrice pédagogique", True),
        service.MemberInput("Paul Pro", "Professionnel du secteur")], world["admin"].id)
    service.present_candidates(session.id, [world["full"].id, world["partial"].id, world["none"].id])
    service.record_decision(session.id, world["full"].id, "title", [], "", world["admin"].id)
    service.record_decision(session.id, world["partial"].id, "blocs", ["B2", "B3"], "", world["admin"].id)
    service.record_decision(session.id, world["none"].id, "none", [], "", world["admin"].id)
    if close:
        service.close_session(session.id, "jeanne  président", world["admin"].id)
    return session


# --- settings -----------------------------------------------------------------------------------


def test_settings_from_the_admin_page_are_checked_and_audited(client, login, make_user):
    admin = make_user(roles=("admin",))
    login(client, admin)
    form = {"name": "Institut", "siret": "73282932000075", "rncp_code": "RNCP38577", "cpf_id_client": "AB12CD34",
            "cpf_access_mode": "VAE", "comptes_inactifs": "36", "etat_civil_non_laureats": "24",
            "echecs_connexion": "1"}
    html = client.post("/certification/parametres", data=form).get_data(as_text=True)
    assert "Luhn" in html and service.settings().siret == ""
    form["siret"] = "732 829 320 00074"
    form["logo"] = (io.BytesIO(PNG), "logo.png")
    response = client.post("/certification/parametres", data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    conf = service.settings()
    assert conf.siret == "73282932000074" and conf.logo == PNG and conf.logo_type == "image/png"
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "certifier.settings")).scalars().all()[-1]
    assert event.details["siret"] == {"avant": "", "après": "73282932000074"} and event.actor_id == admin.id
    assert client.get("/certification/parametres/logo").data == PNG
    for bad in (b"GIF89a...", PNG[:60], png((5000, 10))):
        form["logo"] = (io.BytesIO(bad), "logo.png")
        html = client.post("/certification/parametres", data=form,
                           content_type="multipart/form-data").get_data(as_text=True)
        assert "PNG ou JPEG lisible" in html
    assert service.settings().logo == PNG


def test_settings_refuse_a_bad_id_client_and_rncp_code(app):
    with pytest.raises(service.CertificationError, match="8 caractères"):
        service.update_settings({"cpf_id_client": "ABC"})
    with pytest.raises(service.CertificationError, match="RNCP"):
        service.update_settings({"rncp_code": "38577x"})


def test_settings_pages_are_for_administrators_only(client, login, make_user):
    login(client, make_user(roles=("assessor",)))
    assert client.get("/certification/parametres").status_code == 403


# --- civil identity -----------------------------------------------------------------------------


def test_identity_is_encrypted_at_rest_and_the_key_rotates(world, app):
    raw = db.session.execute(text("SELECT payload FROM civil_identities")).scalars().all()
    assert raw and all("Arnaud" not in p and "1990" not in p for p in raw)
    old_keys = crypto.keys()
    assert service.rotate_identity_keys() == 2
    new_keys = crypto.keys()
    assert len(new_keys) == 1 and new_keys[0] not in old_keys
    db.session.expire_all()
    assert service.identity(world["full"].id).birth_name == "Arnaud"
    from cryptography.fernet import Fernet, InvalidToken
    with pytest.raises(InvalidToken):
        Fernet(old_keys[0]).decrypt(db.session.execute(text("SELECT payload FROM civil_identities")).scalars().first()
                                    .encode())


def test_rotate_key_command(world, app):
    result = app.test_cli_runner().invoke(identity_cli, ["rotate-key"])
    assert result.exit_code == 0 and "2 état(s) civil(s) rechiffré(s)" in result.output


def test_keys_from_the_environment_in_production(world, app, monkeypatch):
    from cryptography.fernet import Fernet
    new = Fernet.generate_key().decode()
    monkeypatch.setitem(app.config, "IDENTITY_KEYS", f"{new},{crypto.keys()[0].decode()}")
    service.rotate_identity_keys()
    monkeypatch.setitem(app.config, "IDENTITY_KEYS", new)
    db.session.expire_all()
    assert service.identity(world["partial"].id).country_code == "99134"


def test_candidate_fills_their_own_identity(client, login, world):
    login(client, world["none"])
    page = client.get("/certification/mon-etat-civil").get_data(as_text=True)
    assert "Incomplet" in page
    form = {"birth_name": "Colin", "first_name1": "Chloé", "birth_date": "2030-01-01", "sex": "F",
            "commune_code": "75056"}
    html = client.post("/certification/mon-etat-civil", data=form).get_data(as_text=True)
    assert "dans le futur" in html and service.identity(world["none"].id) is None
    form["birth_date"] = "1995-02-03"
    assert client.post("/certification/mon-etat-civil", data=form).status_code == 302
    assert service.identity(world["none"].id).birth_date == date(1995, 2, 3)
    assert "Complet" in client.get("/certification/mon-etat-civil").get_data(as_text=True)


def test_identities_are_visible_to_administrators_and_the_jury_only(client, login, world):
    login(client, world["none"])
    assert client.get("/certification/etats-civils").status_code == 403
    assert client.get(f"/certification/etats-civils/{world['full'].id}").status_code == 403
    client.post("/logout")
    login(client, world["assessor"])
    page = client.get("/certification/etats-civils").get_data(as_text=True)
    assert "Arnaud" in page and "05/06/1990" in page
    assert client.get(f"/certification/etats-civils/{world['full'].id}").status_code == 403


def test_csv_import_through_the_page(client, login, world):
    login(client, world["admin"])
    data = ("email,nom_naissance,nom_usage,prenom1,prenom2,prenom3,date_naissance,sexe,code_commune_naissance,"
            "code_pays_naissance\r\n"
            f'{world["none"].email},"O""Colin",,Chloé,,,03/02/1995,F,75056,\r\n'
            f"{world['full'].email},Arnaud,,Anne,,,03/02/1995,X,75056,\r\n"
            "inconnu@example.org,Zed,,Zoé,,,03/02/1995,F,75056,\r\n").encode()
    html = client.post("/certification/etats-civils", data={"file": (io.BytesIO(data), "etats.csv")},
                       content_type="multipart/form-data").get_data(as_text=True).replace("&#39;", "'")
    assert "1 état(s) civil(s) enregistré(s)" in html
    assert "ligne 3" in html and "M ou F" in html and "ligne 4" in html and "inconnu@example.org" in html
    assert service.identity(world["none"].id).birth_name == 'O"Colin'
    assert service.identity(world["full"].id).birth_date == date(1990, 6, 5)  # the bad row changed nothing


# --- jury ---------------------------------------------------------------------------------------


def test_the_ready_list_holds_those_with_something_to_award(world):
    ready = {u.id: p for u, p in service.ready_candidates()}
    assert ready[world["full"].id].outcome == "title"
    assert ready[world["partial"].id].blocs == ("B2", "B3")
    assert world["none"].id not in ready


def test_a_decision_departing_from_the_proposal_needs_a_reason(world):
    session = held_jury(world, close=False)
    with pytest.raises(service.CertificationError, match="motif est obligatoire"):
        service.record_decision(session.id, world["partial"].id, "blocs", ["B2"], "", world["admin"].id)
    decision = service.record_decision(session.id, world["partial"].id, "blocs", ["B2"], "Dossier B3 incomplet",
                                       world["admin"].id)
    assert decision.proposal["blocs"] == ["B2", "B3"] and decision.reason == "Dossier B3 incomplet"
    assert len(service.decision_history(session.id, world["partial"].id)) == 2


def test_no_award_without_a_complete_identity(world):
    session = held_jury(world, close=False)
    pass_everything(world["none"].id, world["assessor"].id, list(REF.bloc("B3").competences), date(2026, 6, 2))
    with pytest.raises(service.CertificationError, match="état civil"):
        service.record_decision(session.id, world["none"].id, "blocs", ["B3"], "", world["admin"].id)


def test_only_the_president_closes_and_only_when_everyone_has_a_decision(world, make_user):
    session = held_jury(world, close=False)
    with pytest.raises(service.CertificationError, match="président"):
        service.close_session(session.id, "Paul Pro", world["admin"].id)
    late = make_user(cohort="Promo A")
    service.present_candidates(session.id, [late.id])
    with pytest.raises(service.CertificationError, match="Décision manquante"):
        service.close_session(session.id, "Jeanne Président", world["admin"].id)
    service.withdraw_candidate(session.id, late.id)
    certificates = service.close_session(session.id, "Jeanne Président", world["admin"].id)
    assert [(c.kind, c.blocs) for c in certificates] == [("title", ["B1", "B2", "B3"]), ("blocs", ["B2", "B3"])]
    assert len({c.verification_code for c in certificates}) == 2
    assert all(len(c.verification_code) >= 32 and c.number not in c.verification_code for c in certificates)


def test_a_closed_session_is_immutable_in_the_orm_and_in_the_database(world):
    session = held_jury(world)
    with pytest.raises(service.CertificationError, match="close"):
        service.record_decision(session.id, world["none"].id, "none", [], "", world["admin"].id)
    session.place = "Lyon"
    with pytest.raises(ImmutableError):
        db.session.flush()
    db.session.rollback()
    decision_id = db.session.execute(select(JuryDecision.id)).scalars().first()
    for statement in ("UPDATE jury_sessions SET place = 'Lyon'", "DELETE FROM jury_sessions",
                      "UPDATE jury_decisions SET outcome = 'none'", "DELETE FROM jury_decisions",
                      "UPDATE certificates SET holder_name = 'X'", "DELETE FROM certificates",
                      f"INSERT INTO jury_decisions (session_id, candidate_id, outcome, blocs, proposal, reason, "
                      f"decided_at) VALUES ({session.id}, {world['none'].id}, 'title', '[]', '{{}}', '', "
                      f"'2026-06-15 10:00:00')"):
        with pytest.raises(DBAPIError), db.engine.begin() as conn:
            conn.execute(text(statement))
    assert db.session.get(JuryDecision, decision_id).outcome in ("title", "blocs", "none")


def test_an_open_session_can_still_change_and_decisions_stay_append_only(world):
    session = held_jury(world, close=False)
    with db.engine.begin() as conn:
        conn.execute(text(f"UPDATE jury_sessions SET place = 'Lyon' WHERE id = {session.id}"))
    with pytest.raises(DBAPIError), db.engine.begin() as conn:
        conn.execute(text("UPDATE jury_decisions SET reason = 'changé'"))


def test_a_later_jury_awards_more(world, clock):
    held_jury(world)
    clock.advance(days=20)
    pass_everything(world["partial"].id, world["assessor"].id, list(REF.bloc("B1").competences), date(2026, 7, 1))
    later = service.create_session(date(2026, 9, 20), "Lyon", [service.MemberInput("Jeanne Président", "DP", True)],
                                   world["admin"].id)
    service.present_candidates(later.id, [world["partial"].id])
    proposal = service.candidate_proposal(later, world["partial"].id)
    assert proposal.outcome == "title" and proposal.already == ("B2", "B3")
    with pytest.raises(service.CertificationError, match="déjà été délivré"):
        service.record_decision(later.id, world["partial"].id, "blocs", ["B2"], "x", world["admin"].id)
    service.record_decision(later.id, world["partial"].id, "title", [], "", world["admin"].id)
    (cert,) = service.close_session(later.id, "Jeanne Président", world["admin"].id)
    assert cert.kind == "title" and cert.number.startswith("CAE-2026-0002-")
    assert len(service.certificates_of(world["partial"].id)) == 2


def test_jury_pages_walk(client, login, world):
    login(client, world["admin"])
    response = client.post("/certification/jurys/nouveau", data={
        "held_on": "2026-06-15", "place": "Paris", "members-0-name": "Jeanne Président",
        "members-0-quality": "Directrice", "members-1-name": "Paul Pro", "members-1-quality": "Professionnel",
        "president": "0"})
    assert response.status_code == 302
    session_id = int(re.search(r"/jurys/(\d+)", response.headers["Location"]).group(1))
    page = client.get(f"/certification/jurys/{session_id}").get_data(as_text=True)
    assert "Candidats prêts selon le registre" in page and "ARNAUD Anne" in page
    cohort_id = world["full"].cohorts[0].id
    client.post(f"/certification/jurys/{session_id}/candidats", data={"cohort": str(cohort_id)})
    page = client.get(f"/certification/jurys/{session_id}/candidats/{world['partial'].id}").get_data(as_text=True)
    assert "Blocs : bloc 2, bloc 3" in page and "Ce sur quoi repose la proposition" in page
    assert "questionnaire" in page  # E2 evidence is listed
    html = client.post(f"/certification/jurys/{session_id}/candidats/{world['partial'].id}",
                       data={"outcome": "none"}).get_data(as_text=True)
    assert "motif est obligatoire" in html
    for candidate, data in ((world["full"], {"outcome": "title"}),
                            (world["partial"], {"outcome": "blocs", "blocs": ["B2", "B3"]}),
                            (world["none"], {"outcome": "none"})):
        assert client.post(f"/certification/jurys/{session_id}/candidats/{candidate.id}", data=data).status_code == 302
    client.post(f"/certification/jurys/{session_id}/clore", data={"president_name": "Jeanne Président"})
    page = client.get(f"/certification/jurys/{session_id}").get_data(as_text=True)
    assert "Délibération close" in page and "CAE-2026-" in page
    pv = client.get(f"/certification/jurys/{session_id}/pv.pdf")
    assert pv.data.startswith(b"%PDF") and pv.mimetype == "application/pdf"
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/certification/jurys/{session_id}/certificats.zip").data))
    names = archive.namelist()
    assert len([n for n in names if n.startswith("parchemin-")]) == 1
    assert len([n for n in names if n.startswith("certificat-competences-")]) == 1
    assert any(n.startswith("pv-deliberation-") for n in names)
    assert all(archive.read(n).startswith(b"%PDF") for n in names)


def test_the_assessor_deliberates_but_does_not_close(client, login, world):
    session = held_jury(world, close=False)
    login(client, world["assessor"])
    assert client.get(f"/certification/jurys/{session.id}").status_code == 200
    assert client.post(f"/certification/jurys/{session.id}/clore",
                       data={"president_name": "Jeanne Président"}).status_code == 403


# --- documents and verification -----------------------------------------------------------------


def test_certificates_carry_number_rncp_certifier_identity_and_verification_url(client, login, world):
    session = held_jury(world)
    login(client, world["full"])
    cert = service.certificates_of(world["full"].id)[0]
    body = client.get(f"/certification/certificats/{cert.id}.pdf").data
    content = pdf_text(body)
    service.update_settings({}, logo=(PNG, "image/png"))
    body = client.get(f"/certification/certificats/{cert.id}.pdf").data
    assert body.startswith(b"%PDF") and b"/Subtype /Image" in body
    for expected in (cert.number, "RNCP38577", "Institut CAE", "Marie Curie", "Directrice", "Anne ARNAUD",
                     "Parchemin", "5 juin 1990", "Lyon (69123)", "15 juin 2026",
                     f"https://certif.example.org/verification/{cert.verification_code}"):
        assert expected in content, expected
    other = service.certificates_of(world["partial"].id)[0]
    assert client.get(f"/certification/certificats/{other.id}.pdf").status_code == 404
    assert session.closed


def test_public_verification_shows_only_what_a_recruiter_needs(client, world):
    held_jury(world)
    cert = service.certificates_of(world["partial"].id)[0]
    page = client.get(f"/verification/{cert.verification_code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Certificat valide" in html
    assert "Élodie BERNARD" in html and cert.number in html and "15/06/2026" in html and "Bloc 2" in html
    for private in ("1990", "Espagne", "99134", world["partial"].email):
        assert private not in html
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get("/verification/" + "x" * 32).status_code == 404
    assert client.get(f"/verification/{cert.number}").status_code == 404


def test_revocation_is_audited_and_shown(client, login, world, clock):
    held_jury(world)
    cert = service.certificates_of(world["full"].id)[0]
    clock.advance(days=3)
    login(client, world["admin"])
    html = client.post(f"/certification/certificats/{cert.id}", data={"reason": ""}).get_data(as_text=True)
    assert "obligatoire" in html or "requis" in html
    assert cert.revocation is None
    assert client.post(f"/certification/certificats/{cert.id}", data={"reason": "Fraude établie"}).status_code == 302
    client.post("/logout")
    html = client.get(f"/verification/{cert.verification_code}").get_data(as_text=True)
    assert "Certificat annulé" in html and "18/06/2026" in html and "Fraude" not in html
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "certificate.revoke")).scalar_one()
    assert event.details["motif"] == "Fraude établie"


def test_verification_is_rate_limited_per_address(client, world, app, monkeypatch):
    held_jury(world)
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", True)
    code = service.certificates_of(world["full"].id)[0].verification_code
    statuses = [client.get(f"/verification/{code}").status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429


# --- SI CPF -------------------------------------------------------------------------------------


def test_cpf_export_command_pending_and_mark_sent(world, app, tmp_path, clock):
    held_jury(world)
    runner = app.test_cli_runner()
    out = tmp_path / "accrochage.xml"
    result = runner.invoke(cpf_cli, ["export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    root = ET.parse(out).getroot()
    passages = root.findall(f".//{{{cpf.NAMESPACE}}}passageCertification")
    assert len(passages) == 2
    assert passages[0].findtext(f"{{{cpf.NAMESPACE}}}urlPreuve").startswith("https://certif.example.org/verification/")
    assert root.findtext(f".//{{{cpf.NAMESPACE}}}certification/{{{cpf.NAMESPACE}}}code") == "RNCP38577"
    assert len(service.pending_awards()) == 2  # written, not yet sent
    clock.advance(days=80)
    assert all(p.warning for p in service.pending_awards())
    result = runner.invoke(cpf_cli, ["pending"])
    assert "échéance proche" in result.output
    submission = service.submissions()[0]
    result = runner.invoke(cpf_cli, ["mark-sent", str(submission.id), "--ack", "AR-2026-42"])
    assert result.exit_code == 0 and service.pending_awards() == []
    result = runner.invoke(cpf_cli, ["export", "--out", str(out)])
    assert result.exit_code != 0 and "aucune certification" in result.output
    result = runner.invoke(cpf_cli, ["export", "--out", str(out), "--since", "2026-06-01"])
    assert result.exit_code == 0


def test_cpf_page_download(client, login, world):
    session = held_jury(world)
    login(client, world["admin"])
    page = client.get("/certification/cpf").get_data(as_text=True)
    assert "2 certifications non encore déposées" in page
    response = client.post("/certification/cpf/export", data={"jury": str(session.id)})
    assert response.mimetype == "application/xml" and b"passageCertification" in response.data
    submission = service.submissions()[0]
    assert client.get(f"/certification/cpf/{submission.id}.xml").data == response.data
    client.post(f"/certification/cpf/{submission.id}/depose", data={"acknowledgement": "AR-1"})
    assert "Déposé le" in client.get("/certification/cpf").get_data(as_text=True)


# --- personal data ------------------------------------------------------------------------------


def test_personal_data_download(client, login, world):
    held_jury(world)
    login(client, world["full"])
    archive = zipfile.ZipFile(io.BytesIO(client.get("/certification/mes-donnees.zip").data))
    data = json.loads(archive.read("donnees.json"))
    assert data["compte"]["email"] == world["full"].email
    assert data["état_civil"]["birth_name"] == "Arnaud" and data["certificats"][0]["nature"] == "title"
    assert len(data["registre"]) > 20


def test_purge_anonymises_stale_accounts_and_keeps_what_the_certifier_must(world, app, clock):
    held_jury(world)
    service.save_identity(world["none"].id, identity_of("Colin"), "admin")
    clock.advance(days=40 * 30)
    runner = app.test_cli_runner()
    result = runner.invoke(purge_command, ["--dry-run"])
    assert "Simulation" in result.output and "comptes anonymisés : 1" in result.output
    assert db.session.get(type(world["none"]), world["none"].id).last_name == "Colin"
    result = runner.invoke(purge_command, [])
    assert result.exit_code == 0 and "Purge effectuée" in result.output
    db.session.expire_all()
    gone = db.session.get(type(world["none"]), world["none"].id)
    assert gone.last_name.startswith("n°") and not gone.active and gone.email.endswith("@anonyme.invalid")
    assert service.identity(world["none"].id) is None
    assert service.identity(world["full"].id) is not None  # holders keep theirs
    assert db.session.execute(select(Certificate)).scalars().all()
    assert privacy.purge(dry_run=True).accounts == []
    assert db.session.execute(select(CivilIdentity.user_id)).scalars().all()


def test_privacy_notice_is_public(client, world):
    html = client.get("/confidentialite").get_data(as_text=True)
    assert "Institut CAE" in html and "36 mois" in html


def test_retention_setting_changes_the_purge(world, clock):
    held_jury(world)
    service.update_settings({}, retention={"comptes_inactifs": 1, "etat_civil_non_laureats": 1,
                                           "echecs_connexion": 1})
    clock.advance(days=45)
    report = privacy.purge(dry_run=True)
    assert report.accounts == [world["none"].id]
    assert report.identities == []  # Colin has none; the holders keep theirs


# --- demo ---------------------------------------------------------------------------------------


def test_demo_holds_a_jury_and_the_cpf_export_is_not_empty(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "jury du" in result.output and "titre" in result.output and "blocs B2, B3" in result.output
    kinds = sorted(c.kind for c in db.session.execute(select(Certificate)).scalars())
    assert kinds == ["blocs", "title"]
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "déjà tenu" in again.output
    out = tmp_path / "accrochage.xml"
    result = runner.invoke(args=["cpf", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(ET.parse(out).getroot().findall(f".//{{{cpf.NAMESPACE}}}passageCertification")) == 2
