"""The SI CPF « accrochage » file (pure: plain objects in, XML bytes out).

The document follows the Caisse des Dépôts' data dictionary for certifiers (namespace
`urn:cdc:cpf:pc5:schema:1.0.0`, schema 1.1.2): a `flux` with its id and timestamp, the
`emetteur` (the depositor's idClient), one `certificateur` (idClient, idContrat) with one
`certification` (type RNCP and its code) whose `passageCertifications` hold one
`passageCertification` per award. The schema's types are `xsd:all` groups (any order, each
element at most once); we write them in the order the schema declares them. Required values
the schema declares nillable and we do not have are written `xsi:nil="true"`. `check()`
enforces, before anything is written, the lengths, patterns, ranges and enumerations the
schema puts on what we emit (docs/certification.md cites the schema these come from).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from xml.etree import ElementTree as ET

NAMESPACE = "urn:cdc:cpf:pc5:schema:1.0.0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_VERSION = "1.1.2"

OBTENTION = ("PAR_ADMISSION", "PAR_SCORING")
ACCESS_MODES = (
    "FORMATION_INITIALE_HORS_APPRENTISSAGE",
    "FORMATION_INITIALE_APPRENTISSAGE",
    "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION",
    "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION",
    "VAE",
    "EQUIVALENCE_DIPLOME_ETRANGER",
    "CANDIDAT_LIBRE",
)
SEXES = ("M", "F")
CERTIFICATION_TYPES = ("RNCP", "RS")
CERTIFICATION_CODE = re.compile(r"^(RNCP|RS)\d{1,6}$")
ID_CLIENT = re.compile(r"^[A-Z0-9]{8}$")
INSEE_COMMUNE = re.compile(r"^(?:\d{2}|2[AB])\d{3}$")
INSEE_COUNTRY = re.compile(r"^99\d{3}$")
# The schema's own patterns (an XSD pattern matches the whole value), offsets included as written.
_DAY = r"(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])"
HORODATAGE = re.compile(rf"^{_DAY}T(2[0-3]|[01][0-9]):[0-5][0-9]:[0-5][0-9](\+|-)(:2[0-3]|[01][0-9]):[0-5][0-9]$")
DATE = re.compile(rf"^{_DAY}$")
BIRTH_YEARS = (1900, 2099)

LENGTHS = {
    "idFlux": (1, 50),
    "idContrat": (1, 20),
    "idTechnique": (1, 255),
    "nomNaissance": (1, 60),
    "nomUsage": (1, 60),
    "prenom1": (1, 60),
    "prenom2": (1, 60),
    "prenom3": (1, 60),
    "scoring": (1, 255),
    "urlPreuve": (1, 255),
    "libelleCommuneNaissance": (1, 60),
    "libellePaysNaissance": (1, 60),
    "type": (1, 255),
    "code": (1, 100),
}


class CpfError(ValueError):
    """A value the schema would refuse; the message names the award and the field, in French."""


@dataclass(frozen=True)
class Holder:
    birth_name: str
    first_name1: str
    birth_date: date
    sex: str
    usage_name: str = ""
    first_name2: str = ""
    first_name3: str = ""
    commune_code: str = ""
    country_code: str = ""
    birth_place: str = ""


@dataclass(frozen=True)
class Award:
    technical_id: str  # stable per award: the certificate number
    awarded_on: date
    holder: Holder
    proof_url: str
    access_mode: str
    partial: bool  # blocs only: recorded as obtained by admission to those blocs
    scoring: str = ""


@dataclass(frozen=True)
class Flux:
    flux_id: str
    timestamp: datetime  # aware
    id_client: str
    id_contrat: str
    certification_type: str
    certification_code: str
    awards: tuple[Award, ...]


def _length(where: str, name: str, value: str) -> None:
    low, high = LENGTHS[name]
    if not low <= len(value) <= high:
        raise CpfError(f"{where} : {name} doit compter de {low} à {high} caractères (« {value[:70]} »)")


def check(flux: Flux) -> None:
    """Raise CpfError on the first value outside what the schema allows."""
    _length("flux", "idFlux", flux.flux_id)
    if not HORODATAGE.match(_timestamp(flux.timestamp)):
        raise CpfError(f"flux : horodatage « {_timestamp(flux.timestamp)} » hors du motif du schéma")
    if not ID_CLIENT.match(flux.id_client):
        raise CpfError("certificateur : idClient doit compter 8 caractères (lettres capitales et chiffres), "
                       "à renseigner dans les paramètres du certificateur")
    _length("certificateur", "idContrat", flux.id_contrat)
    if flux.certification_type not in CERTIFICATION_TYPES:
        raise CpfError(f"certification : type inconnu « {flux.certification_type} »")
    _length("certification", "code", flux.certification_code)
    if not CERTIFICATION_CODE.match(flux.certification_code) or not flux.certification_code.startswith(
            flux.certification_type):
        raise CpfError(f"certification : code « {flux.certification_code} » invalide (ex. RNCP12345)")
    if not flux.awards:
        raise CpfError("aucune certification à transmettre")
    seen = set()
    for award in flux.awards:
        where = f"passage {award.technical_id}"
        _length(where, "idTechnique", award.technical_id)
        if award.technical_id in seen:
            raise CpfError(f"{where} : idTechnique en double")
        seen.add(award.technical_id)
        if not DATE.match(award.awarded_on.isoformat()):
            raise CpfError(f"{where} : dateDebutValidite hors du motif du schéma (années 1900 à 2099)")
        if award.access_mode not in ACCESS_MODES:
            raise CpfError(f"{where} : modaliteAcces « {award.access_mode} » inconnue")
        _length(where, "urlPreuve", award.proof_url)
        if not re.match(r"^https?://[^/\s]+/\S*$", award.proof_url):
            raise CpfError(f"{where} : urlPreuve doit être une adresse complète (renseignez l'adresse publique "
                           "de la plateforme dans les paramètres du certificateur)")
        if award.scoring:
            _length(where, "scoring", award.scoring)
        h = award.holder
        _length(where, "nomNaissance", h.birth_name)
        _length(where, "prenom1", h.first_name1)
        for name, value in (("nomUsage", h.usage_name), ("prenom2", h.first_name2), ("prenom3", h.first_name3)):
            if value:
                _length(where, name, value)
        if h.birth_place:
            _length(where, "libelleCommuneNaissance" if h.commune_code else "libellePaysNaissance", h.birth_place)
        if not BIRTH_YEARS[0] <= h.birth_date.year <= BIRTH_YEARS[1]:
            raise CpfError(f"{where} : anneeNaissance doit être comprise entre 1900 et 2099")
        if h.sex not in SEXES:
            raise CpfError(f"{where} : sexe doit valoir M ou F")
        if h.commune_code:
            if not INSEE_COMMUNE.match(h.commune_code):
                raise CpfError(f"{where} : code commune INSEE de naissance invalide")
        elif not INSEE_COUNTRY.match(h.country_code or ""):
            raise CpfError(f"{where} : lieu de naissance manquant (code commune ou code pays INSEE)")


def _timestamp(moment: datetime) -> str:
    """xsd:dateTime with its offset and no fraction, e.g. 2026-06-15T10:00:00+00:00."""
    return moment.replace(microsecond=0).isoformat()


def build(flux: Flux) -> bytes:
    """The XML document, UTF-8, after `check()`."""
    check(flux)
    ET.register_namespace("cpf", NAMESPACE)
    ET.register_namespace("xsi", XSI)

    def q(name: str) -> str:
        return f"{{{NAMESPACE}}}{name}"

    def child(parent, name: str, text: str | None = None, nil: bool = False):
        element = ET.SubElement(parent, q(name))
        if nil:
            element.set(f"{{{XSI}}}nil", "true")
        elif text is not None:
            element.text = text
        return element

    root = ET.Element(q("flux"))
    child(root, "idFlux", flux.flux_id)
    child(root, "horodatage", _timestamp(flux.timestamp))
    emetteur = child(root, "emetteur")
    child(emetteur, "idClient", flux.id_client)
    certificateur = child(child(emetteur, "certificateurs"), "certificateur")
    child(certificateur, "idClient", flux.id_client)
    child(certificateur, "idContrat", flux.id_contrat)
    certification = child(child(certificateur, "certifications"), "certification")
    child(certification, "type", flux.certification_type)
    child(certification, "code", flux.certification_code)
    passages = child(certification, "passageCertifications")
    for award in flux.awards:
        passage = child(passages, "passageCertification")
        child(passage, "idTechnique", award.technical_id)
        child(passage, "urlPreuve", award.proof_url)
        child(passage, "obtentionCertification", "PAR_ADMISSION")
        child(passage, "donneeCertifiee", "true")
        child(passage, "dateDebutValidite", award.awarded_on.isoformat())
        child(passage, "dateFinValidite", nil=True)  # a professional title does not expire
        child(passage, "presenceNiveauLangueEuro", "false")
        child(passage, "presenceNiveauNumeriqueEuro", "false")
        child(passage, "scoring", award.scoring or None, nil=not award.scoring)
        child(passage, "mentionValidee", nil=True)
        child(child(passage, "modalitesInscription"), "modaliteAcces", award.access_mode)
        titulaire = child(child(passage, "identificationTitulaire"), "titulaire")
        h = award.holder
        child(titulaire, "nomNaissance", h.birth_name)
        child(titulaire, "nomUsage", h.usage_name or None, nil=not h.usage_name)
        child(titulaire, "prenom1", h.first_name1)
        if h.first_name2:
            child(titulaire, "prenom2", h.first_name2)
        if h.first_name3:
            child(titulaire, "prenom3", h.first_name3)
        child(titulaire, "anneeNaissance", f"{h.birth_date.year:04d}")
        child(titulaire, "moisNaissance", f"{h.birth_date.month:02d}")
        child(titulaire, "jourNaissance", f"{h.birth_date.day:02d}")
        child(titulaire, "sexe", h.sex)
        # Born abroad: codeInsee (5 characters) holds the INSEE country code 99xxx, as INSEE does for
        # a place of birth, and codePaysNaissance (3 characters) the country's own part xxx.
        commune = child(child(titulaire, "codeCommuneNaissance"), "codeInseeNaissance")
        child(commune, "codeInsee", h.commune_code or h.country_code)
        if h.birth_place and h.commune_code:
            child(titulaire, "libelleCommuneNaissance", h.birth_place)
        if not h.commune_code:
            child(titulaire, "codePaysNaissance", h.country_code[2:])
            if h.birth_place:
                child(titulaire, "libellePaysNaissance", h.birth_place)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
