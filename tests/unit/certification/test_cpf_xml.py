"""The SI CPF file: the schema's sequence order, nil values, lengths, patterns and enumerations."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
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


def test_root_namespace_header_and_sequence():
    body = cpf.build(flux())
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = parse(body)
    assert root.tag == f"{{{cpf.NAMESPACE}}}flux"
    assert names(root) == ["idFlux", "horodatage", "emetteur"]
    assert re.fullmatch(cpf.HORODATAGE.pattern, root.findtext("cpf:horodatage", namespaces=NS))
    assert root.findtext("cpf:horodatage", namespaces=NS) == "2026-06-20T09:30:12+00:00"
    emetteur = root.find("cpf:emetteur", NS)
    assert names(emetteur) == ["idClient", "certificateurs"]
    certificateur = emetteur.find("cpf:certificateurs/cpf:certificateur", NS)
    assert names(certificateur) == ["idClient", "idContrat", "certifications"]
    certification = certificateur.find("cpf:certifications/cpf:certification", NS)
    assert names(certification) == ["type", "code", "passageCertifications"]
    assert certification.findtext("cpf:type", namespaces=NS) == "RNCP"


def test_passage_sequence_values_and_nils():
    root = parse(cpf.build(flux()))
    passage = root.find(".//cpf:passageCertification", NS)
    assert names(passage) == ["idTechnique", "obtentionCertification", "donneeCertifiee", "dateDebutValidite",
                              "dateFinValidite", "presenceNiveauLangueEuro", "presenceNiveauNumeriqueEuro",
                              "scoring", "mentionValidee", "modalitesInscription", "identificationTitulaire",
                              "urlPreuve"]
    assert passage.findtext("cpf:obtentionCertification", namespaces=NS) in cpf.OBTENTION
    assert passage.findtext("cpf:donneeCertifiee", namespaces=NS) == "true"
    assert passage.findtext("cpf:dateDebutValidite", namespaces=NS) == "2026-06-15"
    for nil in ("dateFinValidite", "scoring", "mentionValidee"):
        element = passage.find(f"cpf:{nil}", NS)
        assert element.get(XSI_NIL) == "true" and not element.text
    assert passage.findtext("cpf:modalitesInscription/cpf:modaliteAcces", namespaces=NS) in cpf.ACCESS_MODES
    titulaire = passage.find("cpf:identificationTitulaire/cpf:titulaire", NS)
    assert names(titulaire) == ["nomNaissance", "nomUsage", "prenom1", "anneeNaissance", "moisNaissance",
                                "jourNaissance", "sexe", "codeCommuneNaissance", "libelleCommuneNaissance"]
    assert titulaire.findtext("cpf:nomNaissance", namespaces=NS) == "O'Brien"
    assert titulaire.find("cpf:nomUsage", NS).get(XSI_NIL) == "true"
    assert [titulaire.findtext(f"cpf:{n}", namespaces=NS) for n in ("anneeNaissance", "moisNaissance",
                                                                      "jourNaissance")] == ["1990", "06", "05"]
    assert titulaire.findtext("cpf:codeCommuneNaissance/cpf:codeInseeNaissance/cpf:codeInsee",
                              namespaces=NS) == "69123"
    assert passage.findtext("cpf:urlPreuve", namespaces=NS).startswith("https://")


def test_born_abroad_with_three_first_names_and_a_usage_name():
    h = holder(commune_code="", country_code="99134", birth_place="Espagne", usage_name="Martin",
               first_name2="Marie", first_name3="Lou")
    titulaire = parse(cpf.build(flux(award(holder=h)))).find(".//cpf:titulaire", NS)
    assert names(titulaire) == ["nomNaissance", "nomUsage", "prenom1", "prenom2", "prenom3", "anneeNaissance",
                                "moisNaissance", "jourNaissance", "sexe", "codeCommuneNaissance",
                                "codePaysNaissance", "libellePaysNaissance"]
    assert titulaire.findtext("cpf:codePaysNaissance", namespaces=NS) == "99134"
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
])
def test_passage_constraints(change, message):
    with pytest.raises(cpf.CpfError, match=message):
        cpf.build(flux(award(**change)))


def test_duplicate_technical_ids_are_refused():
    with pytest.raises(cpf.CpfError, match="double"):
        cpf.build(flux(award(1), award(1)))
