"""The SI CPF file against the facts of the Caisse des Dépôts' schema 1.1.2 (namespace
urn:cdc:cpf:pc5:schema:1.0.0), transcribed below from the XSD that docs/certification.md cites:
element order, occurrences, nil values, lengths, patterns, ranges and enumerations."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from xml.etree import ElementTree as ET

import pytest

from quiz.certification import cpf

NS = {"cpf": cpf.NAMESPACE}
XSI_NIL = f"{{{cpf.XSI}}}nil"


def holder(**kw) -> cpf.Holder:
    return cpf.Holder(**({"birth_name": "O'Brien", "first_name1": "Anne", "birth_date": date(1990, 6, 5),
                          "sex": "F", "commune_code": "69123", "birth_place": "Lyon"} | kw))


def award(n: int = 1, **kw) -> cpf.Award:
    return cpf.Award(**({"technical_id": f"CAE-2026-0001-{n:04d}", "awarded_on": date(2026, 6, 15), "holder": holder(),
                         "proof_url": f"https://certif.example.org/verification/code{n}",
                         "access_mode": "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION",
                         "partial": False} | kw))


def flux(*awards, **kw) -> cpf.Flux:
    return cpf.Flux(**({"flux_id": "f" * 32, "timestamp": datetime(2026, 6, 20, 9, 30, 12, 555, tzinfo=UTC),
                        "id_client": "AB12CD34", "id_contrat": "MCFCER000123", "certification_type": "RNCP",
                        "certification_code": "RNCP38577", "awards": awards or (award(),)} | kw))


def names(element) -> list[str]:
    return [child.tag.split("}", 1)[1] for child in element]


def parse(body: bytes):
    return ET.fromstring(body)


# --- the schema's facts (XSD 1.1.2) ------------------------------------------------------------
# Complex types: children in the order the schema declares them, and which are required. Every
# type we emit is an xsd:all (each child at most once, in any order): we write the declared order.
# identificationTitulaire and codeCommuneNaissance are choices (exactly one child).
COMPLEX = {
    "flux": (("idFlux", "horodatage", "emetteur"), {"idFlux", "horodatage", "emetteur"}),
    "emetteur": (("idClient", "certificateurs"), {"idClient", "certificateurs"}),
    "certificateurs": (("certificateur",), {"certificateur"}),
    "certificateur": (("idClient", "idContrat", "certifications"), {"idClient", "idContrat", "certifications"}),
    "certification": (("type", "code", "natureDeposant", "passageCertifications"),
                      {"type", "code", "passageCertifications"}),
    "passageCertification": (
        ("idTechnique", "urlPreuve", "libelleOption", "obtentionCertification", "donneeCertifiee", "dateDebutExamen",
         "dateFinExamen", "modalitePassageExamen", "codePostalCentreExamen", "dateDebutValidite", "dateFinValidite",
         "presenceNiveauLangueEuro", "niveauLangueEuropeen", "presenceNiveauNumeriqueEuro", "niveauNumeriqueEuropeen",
         "scoring", "mentionValidee", "modalitesInscription", "identificationTitulaire", "verbatim"),
        {"idTechnique", "obtentionCertification", "donneeCertifiee", "dateDebutValidite", "dateFinValidite",
         "presenceNiveauLangueEuro", "presenceNiveauNumeriqueEuro", "scoring", "mentionValidee",
         "modalitesInscription", "identificationTitulaire"}),
    "modalitesInscription": (("modaliteAcces", "voieAccessVAE", "initiativeInscription", "dateInscription"),
                             {"modaliteAcces"}),
    "titulaire": (
        ("nomNaissance", "nomUsage", "prenom1", "prenom2", "prenom3", "anneeNaissance", "moisNaissance",
         "jourNaissance", "sexe", "codeCommuneNaissance", "libelleCommuneNaissance", "codePaysNaissance",
         "libellePaysNaissance", "commentairesMEN"),
        {"nomNaissance", "nomUsage", "prenom1", "anneeNaissance", "moisNaissance", "jourNaissance", "sexe",
         "codeCommuneNaissance"}),
    "codeInseeNaissance": (("codeInsee",), {"codeInsee"}),
}
CHOICES = {"identificationTitulaire": {"dossierFormation", "titulaire"},
           "codeCommuneNaissance": {"codeInseeNaissance", "codePostalNaissance"}}
LISTS = {"certifications": "certification", "passageCertifications": "passageCertification"}  # 1..unbounded
_DAY = r"(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])"
PATTERNS = {
    "horodatage": _DAY + r"T(2[0-3]|[01][0-9]):[0-5][0-9]:[0-5][0-9](\+|-)(:2[0-3]|[01][0-9]):[0-5][0-9]",
    "dateDebutValidite": _DAY, "dateFinValidite": _DAY,
}
LENGTHS = {"idFlux": (1, 50), "idClient": (8, 8), "idContrat": (1, 20), "type": (1, 255), "code": (1, 100),
           "idTechnique": (1, 255), "urlPreuve": (1, 255), "scoring": (1, 255), "nomNaissance": (1, 60),
           "nomUsage": (1, 60), "prenom1": (1, 60), "prenom2": (1, 60), "prenom3": (1, 60),
           "libelleCommuneNaissance": (1, 60), "codePaysNaissance": (3, 3), "libellePaysNaissance": (1, 60),
           "codeInsee": (5, 5)}
INTEGERS = {"anneeNaissance": (1900, 2099), "moisNaissance": (1, 12), "jourNaissance": (1, 31)}
ENUMERATIONS = {
    "obtentionCertification": {"PAR_ADMISSION", "PAR_SCORING"},
    "mentionValidee": {"SANS_MENTION", "MENTION_ASSEZ_BIEN", "MENTION_BIEN", "MENTION_TRES_BIEN",
                       "MENTION_TRES_BIEN_AVEC_FELICITATIONS_DU_JURY"},
    "modaliteAcces": {"FORMATION_INITIALE_HORS_APPRENTISSAGE", "FORMATION_INITIALE_APPRENTISSAGE",
                      "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION",
                      "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION", "VAE", "EQUIVALENCE_DIPLOME_ETRANGER",
                      "CANDIDAT_LIBRE"},
    "sexe": {"M", "F"},
    "donneeCertifiee": {"true", "false", "1", "0"},  # xsd:boolean
    "presenceNiveauLangueEuro": {"true", "false", "1", "0"},
    "presenceNiveauNumeriqueEuro": {"true", "false", "1", "0"},
}
NILLABLE = {"dateFinValidite", "scoring", "mentionValidee", "modaliteAcces", "nomUsage", "moisNaissance",
            "jourNaissance"}


def local(element) -> str:
    return element.tag.split("}", 1)[1]


def violations(element, out=None) -> list[str]:
    """Every place where the document departs from the schema's facts above."""
    out = [] if out is None else out
    name = local(element)
    if element.tag.split("}", 1)[0] != "{" + cpf.NAMESPACE:
        out.append(f"{name}: namespace")
    children = [local(c) for c in element]
    if element.get(XSI_NIL) == "true":
        if name not in NILLABLE:
            out.append(f"{name}: not nillable")
        if element.text or children:
            out.append(f"{name}: nil with content")
        return out
    if name in COMPLEX:
        declared, required = COMPLEX[name]
        if len(set(children)) != len(children):
            out.append(f"{name}: a child twice")
        if not set(children) <= set(declared):
            out.append(f"{name}: unknown {sorted(set(children) - set(declared))}")
        if not required <= set(children):
            out.append(f"{name}: missing {sorted(required - set(children))}")
        if children != [c for c in declared if c in children]:
            out.append(f"{name}: order {children}")
    elif name in CHOICES:
        if len(children) != 1 or children[0] not in CHOICES[name]:
            out.append(f"{name}: choice {children}")
    elif name in LISTS:
        if not children or set(children) != {LISTS[name]}:
            out.append(f"{name}: list {children}")
    else:
        text = element.text or ""
        if children:
            out.append(f"{name}: simple type with children")
        if name in PATTERNS and not re.fullmatch(PATTERNS[name], text):
            out.append(f"{name}: pattern {text!r}")
        if name in LENGTHS and not LENGTHS[name][0] <= len(text) <= LENGTHS[name][1]:
            out.append(f"{name}: length {text!r}")
        if name in INTEGERS and not (re.fullmatch(r"[+-]?[0-9]+", text)
                                     and INTEGERS[name][0] <= int(text) <= INTEGERS[name][1]):
            out.append(f"{name}: integer {text!r}")
        if name in ENUMERATIONS and text not in ENUMERATIONS[name]:
            out.append(f"{name}: enumeration {text!r}")
        if not {*PATTERNS, *LENGTHS, *INTEGERS, *ENUMERATIONS} & {name}:
            out.append(f"{name}: not an element of the schema")
    for child in element:
        violations(child, out)
    return out


ABROAD = holder(commune_code="", country_code="99134", birth_place="Espagne", usage_name="Martin",
                first_name2="Marie", first_name3="Lou")


@pytest.mark.parametrize("document", [
    flux(),
    flux(award(1), award(2, holder=ABROAD), award(3, holder=holder(birth_place="", birth_date=date(1900, 1, 31)))),
    flux(award(1, partial=True, scoring="12/20", access_mode="VAE"), timestamp=datetime(2026, 1, 2, 3, 4, 5)
         .astimezone()),
])
def test_what_we_emit_keeps_every_constraint_of_the_schema(document):
    root = parse(cpf.build(document))
    assert local(root) == "flux"
    assert violations(root) == []


@pytest.mark.parametrize("path, value", [
    (".//cpf:codePaysNaissance", "99134"),  # what the export wrote before: 5 characters where the schema wants 3
    (".//cpf:codeInsee", "6912"),
    (".//cpf:sexe", "H"),
    (".//cpf:horodatage", "2026-06-20T09:30:12Z"),
    (".//cpf:anneeNaissance", "1899"),
    (".//cpf:modaliteAcces", "FORMATION"),
])
def test_the_transcribed_schema_catches_a_departure(path, value):
    root = parse(cpf.build(flux(award(holder=ABROAD))))
    root.find(path, NS).text = value
    assert len(violations(root)) == 1


def test_an_element_out_of_the_declared_order_is_caught():
    root = parse(cpf.build(flux()))
    passage = root.find(".//cpf:passageCertification", NS)
    url = passage.find("cpf:urlPreuve", NS)
    passage.remove(url)
    passage.append(url)
    assert violations(root) == [f"passageCertification: order {names(passage)}"]


def test_root_namespace_header_and_values():
    body = cpf.build(flux())
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = parse(body)
    assert root.tag == f"{{{cpf.NAMESPACE}}}flux"
    assert names(root) == ["idFlux", "horodatage", "emetteur"]
    assert root.findtext("cpf:horodatage", namespaces=NS) == "2026-06-20T09:30:12+00:00"
    certification = root.find(".//cpf:certification", NS)
    assert names(certification) == ["type", "code", "passageCertifications"]
    assert certification.findtext("cpf:type", namespaces=NS) == "RNCP"
    assert len(root.findall(".//cpf:certificateur", NS)) == 1  # certificateurs holds exactly one


def test_passage_values_and_nils():
    root = parse(cpf.build(flux()))
    passage = root.find(".//cpf:passageCertification", NS)
    assert names(passage) == ["idTechnique", "urlPreuve", "obtentionCertification", "donneeCertifiee",
                              "dateDebutValidite", "dateFinValidite", "presenceNiveauLangueEuro",
                              "presenceNiveauNumeriqueEuro", "scoring", "mentionValidee", "modalitesInscription",
                              "identificationTitulaire"]
    assert passage.findtext("cpf:obtentionCertification", namespaces=NS) == "PAR_ADMISSION"
    assert passage.findtext("cpf:donneeCertifiee", namespaces=NS) == "true"
    assert passage.findtext("cpf:dateDebutValidite", namespaces=NS) == "2026-06-15"
    for nil in ("dateFinValidite", "scoring", "mentionValidee"):
        element = passage.find(f"cpf:{nil}", NS)
        assert element.get(XSI_NIL) == "true" and not element.text
    titulaire = passage.find("cpf:identificationTitulaire/cpf:titulaire", NS)
    assert names(titulaire) == ["nomNaissance", "nomUsage", "prenom1", "anneeNaissance", "moisNaissance",
                                "jourNaissance", "sexe", "codeCommuneNaissance", "libelleCommuneNaissance"]
    assert titulaire.findtext("cpf:nomNaissance", namespaces=NS) == "O'Brien"
    assert titulaire.find("cpf:nomUsage", NS).get(XSI_NIL) == "true"
    assert [titulaire.findtext(f"cpf:{n}", namespaces=NS) for n in ("anneeNaissance", "moisNaissance",
                                                                      "jourNaissance")] == ["1990", "06", "05"]
    assert titulaire.findtext("cpf:codeCommuneNaissance/cpf:codeInseeNaissance/cpf:codeInsee",
                              namespaces=NS) == "69123"
    assert passage.findtext("cpf:urlPreuve", namespaces=NS) == "https://certif.example.org/verification/code1"


def test_born_abroad_the_country_code_goes_in_codeinsee_and_its_last_three_digits_in_codepaysnaissance():
    titulaire = parse(cpf.build(flux(award(holder=ABROAD)))).find(".//cpf:titulaire", NS)
    assert names(titulaire) == ["nomNaissance", "nomUsage", "prenom1", "prenom2", "prenom3", "anneeNaissance",
                                "moisNaissance", "jourNaissance", "sexe", "codeCommuneNaissance",
                                "codePaysNaissance", "libellePaysNaissance"]
    assert titulaire.findtext(".//cpf:codeInsee", namespaces=NS) == "99134"
    assert titulaire.findtext("cpf:codePaysNaissance", namespaces=NS) == "134"
    assert titulaire.findtext("cpf:libellePaysNaissance", namespaces=NS) == "Espagne"
    assert titulaire.findtext("cpf:nomUsage", namespaces=NS) == "Martin"


def test_one_passage_per_award_and_special_characters_escaped():
    body = cpf.build(flux(award(1), award(2, holder=holder(birth_name="Dupont & <Fils>"))))
    passages = parse(body).findall(".//cpf:passageCertification", NS)
    assert [p.findtext("cpf:idTechnique", namespaces=NS) for p in passages] == ["CAE-2026-0001-0001",
                                                                                 "CAE-2026-0001-0002"]
    assert b"Dupont &amp; &lt;Fils&gt;" in body


@pytest.mark.parametrize("change, message", [
    ({"id_client": "AB12CD3"}, "idClient"),
    ({"id_client": "ab12cd34"}, "idClient"),
    ({"id_contrat": ""}, "idContrat"),
    ({"id_contrat": "X" * 21}, "idContrat"),
    ({"flux_id": "x" * 51}, "idFlux"),
    ({"certification_code": "38577"}, "code"),
    ({"certification_code": "RS38577"}, "code"),
    ({"certification_type": "CQP"}, "type"),
    ({"timestamp": datetime(2026, 6, 20, 9, 30, tzinfo=timezone(timedelta(hours=-20)))}, "horodatage"),
    ({"awards": ()}, "aucune"),
])
def test_flux_constraints(change, message):
    with pytest.raises(cpf.CpfError, match=message):
        cpf.build(replace(flux(), **change))


@pytest.mark.parametrize("change, message", [
    ({"holder": holder(birth_name="X" * 61)}, "nomNaissance"),
    ({"holder": holder(first_name1="")}, "prenom1"),
    ({"holder": holder(usage_name="Y" * 61)}, "nomUsage"),
    ({"holder": holder(sex="H")}, "sexe"),
    ({"holder": holder(commune_code="6912")}, "commune"),
    ({"holder": holder(commune_code="", country_code="")}, "lieu de naissance"),
    ({"access_mode": "FORMATION"}, "modaliteAcces"),
    ({"proof_url": "https://x/" + "a" * 250}, "urlPreuve"),
    ({"proof_url": "/verification/abc"}, "adresse complète"),
    ({"awarded_on": date(2100, 1, 1)}, "dateDebutValidite"),
    ({"holder": holder(birth_date=date(1899, 12, 31))}, "anneeNaissance"),
    ({"holder": holder(birth_place="L" * 61)}, "libelleCommuneNaissance"),
    ({"holder": holder(commune_code="", country_code="99134", birth_place="P" * 61)}, "libellePaysNaissance"),
    ({"holder": holder(commune_code="", country_code="134")}, "lieu de naissance"),
])
def test_passage_constraints(change, message):
    with pytest.raises(cpf.CpfError, match=message):
        cpf.build(flux(award(**change)))


def test_duplicate_technical_ids_are_refused():
    with pytest.raises(cpf.CpfError, match="double"):
        cpf.build(flux(award(1), award(1)))
