"""Civil identity as the SI CPF wants it: fields, validation and the CSV import's parsing (pure).

Names are 1–60 characters of letters, spaces, apostrophes and hyphens; the birth date a real
day, the holder between 14 and 100 years old at the time of checking; sex M or F; the place of
birth either an INSEE commune code (5 characters: 2 digits or 2A/2B for Corsica, then 3 digits;
97x/98x for overseas) or, for people born abroad, the INSEE country code (99 and 3 digits,
99100 being France and so refused there).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import asdict, dataclass, fields
from datetime import date

# Letters, then letters, spaces, hyphens and apostrophes (a double quote counts as one: an import
# of « "O""Brien" » keeps what the file says).
NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '’\"-])*$")
COMMUNE = re.compile(r"^(?:\d{2}|2[AB])\d{3}$")
COUNTRY = re.compile(r"^99\d{3}$")
SEXES = {"M": "Masculin", "F": "Féminin"}
NAME_MAX = 60

# Headers as other tools write them, once accents, case and separators are dropped.
HEADER_ALIASES = {
    "mail": "email", "e_mail": "email", "courriel": "email", "adresse_email": "email", "adresse_mail": "email",
    "nom_de_naissance": "nom_naissance", "nom": "nom_naissance", "nom_d_usage": "nom_usage",
    "prenom": "prenom1", "premier_prenom": "prenom1", "deuxieme_prenom": "prenom2", "troisieme_prenom": "prenom3",
    "date_de_naissance": "date_naissance", "ne_le": "date_naissance", "sexe_etat_civil": "sexe",
    "code_insee_commune_naissance": "code_commune_naissance", "code_insee_naissance": "code_commune_naissance",
    "code_commune": "code_commune_naissance", "code_pays": "code_pays_naissance",
    "lieu_de_naissance": "lieu_naissance",
}

CSV_COLUMNS = ("email", "nom_naissance", "nom_usage", "prenom1", "prenom2", "prenom3",
               "date_naissance", "sexe", "code_commune_naissance", "code_pays_naissance", "lieu_naissance")


@dataclass(frozen=True)
class Identity:
    birth_name: str
    first_name1: str
    birth_date: date | None
    sex: str
    usage_name: str = ""
    first_name2: str = ""
    first_name3: str = ""
    commune_code: str = ""  # INSEE commune of birth, for those born in France
    country_code: str = ""  # INSEE country of birth (99xxx), for those born abroad
    birth_place: str = ""  # the commune's (or country's) name as printed on documents

    def to_json(self) -> dict:
        data = asdict(self)
        data["birth_date"] = self.birth_date.isoformat() if self.birth_date else None
        return data

    @classmethod
    def from_json(cls, data: dict) -> Identity:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["birth_date"] = date.fromisoformat(values["birth_date"]) if values.get("birth_date") else None
        return cls(**values)

    @property
    def first_names(self) -> str:
        return " ".join(n for n in (self.first_name1, self.first_name2, self.first_name3) if n)

    @property
    def place_label(self) -> str:
        code = self.commune_code or self.country_code
        return f"{self.birth_place} ({code})" if self.birth_place else code

    @property
    def display_name(self) -> str:
        """« Prénoms NOM » with the usage name, and the birth name when it differs (« née »)."""
        if self.usage_name and self.usage_name.casefold() != self.birth_name.casefold():
            return f"{self.first_names} {self.usage_name.upper()} (né(e) {self.birth_name.upper()})"
        return f"{self.first_names} {self.birth_name.upper()}"


def normalise(identity: Identity) -> Identity:
    """Spaces trimmed and collapsed, codes in capitals."""
    def clean(value: str) -> str:
        return " ".join((value or "").split())

    return Identity(
        birth_name=clean(identity.birth_name), first_name1=clean(identity.first_name1),
        birth_date=identity.birth_date, sex=clean(identity.sex).upper(), usage_name=clean(identity.usage_name),
        first_name2=clean(identity.first_name2), first_name3=clean(identity.first_name3),
        commune_code=clean(identity.commune_code).upper(), country_code=clean(identity.country_code),
        birth_place=clean(identity.birth_place),
    )


def problems(identity: Identity, today: date) -> dict[str, str]:
    """Field -> French message, empty when the identity is complete and plausible."""
    out: dict[str, str] = {}
    for name, label, required in (("birth_name", "nom de naissance", True), ("usage_name", "nom d'usage", False),
                                  ("first_name1", "premier prénom", True), ("first_name2", "deuxième prénom", False),
                                  ("first_name3", "troisième prénom", False)):
        value = getattr(identity, name)
        if not value:
            if required:
                out[name] = f"Le {label} est obligatoire."
        elif len(value) > NAME_MAX:
            out[name] = f"Le {label} dépasse {NAME_MAX} caractères."
        elif not NAME.match(value):
            out[name] = f"Le {label} ne peut contenir que des lettres, des espaces, des apostrophes et des tirets."
    if identity.first_name3 and not identity.first_name2:
        out["first_name3"] = "Indiquez le deuxième prénom avant le troisième."
    if identity.birth_date is None:
        out["birth_date"] = "La date de naissance est obligatoire."
    else:
        age = today.year - identity.birth_date.year - ((today.month, today.day) < (identity.birth_date.month,
                                                                                      identity.birth_date.day))
        if identity.birth_date > today:
            out["birth_date"] = "La date de naissance est dans le futur."
        elif not 14 <= age <= 100:
            out["birth_date"] = "La date de naissance n'est pas plausible (de 14 à 100 ans)."
    if len(identity.birth_place) > NAME_MAX:
        out["birth_place"] = f"Le lieu de naissance dépasse {NAME_MAX} caractères."
    if identity.sex not in SEXES:
        out["sex"] = "Le sexe doit être M ou F."
    if identity.commune_code and identity.country_code:
        out["country_code"] = ("Indiquez la commune de naissance (né en France) ou le pays (né à l'étranger), "
                               "pas les deux.")
    elif identity.commune_code:
        if not COMMUNE.match(identity.commune_code):
            out["commune_code"] = "Le code commune INSEE compte 5 caractères (ex. 75056, 2A004)."
    elif identity.country_code:
        if not COUNTRY.match(identity.country_code):
            out["country_code"] = "Le code pays INSEE compte 5 chiffres commençant par 99 (ex. 99134 pour l'Espagne)."
        elif identity.country_code == "99100":
            out["country_code"] = "Né en France : indiquez le code de la commune de naissance."
    else:
        out["commune_code"] = ("Le lieu de naissance est obligatoire (code commune INSEE, ou code pays si né "
                               "à l'étranger).")
    return out


def header_name(raw: str) -> str:
    """« Prénom 1 » -> prenom1, « Date de naissance » -> date_naissance, « E-mail » -> email."""
    plain = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode().strip().lower()
    name = re.sub(r"[^a-z0-9]+", "_", plain).strip("_")
    name = re.sub(r"_(\d)$", r"\1", name)
    return HEADER_ALIASES.get(name, name)


def parse_date(value: str) -> date | None:
    """« 15/06/1990 » or « 1990-06-15 »; None for anything else."""
    value = (value or "").strip()
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
    except ValueError:
        return None
    return None


@dataclass(frozen=True)
class CsvRow:
    line: int
    email: str
    identity: Identity
    errors: dict[str, str]


class CsvFormatError(ValueError):
    """The file itself cannot be read (encoding, header); the message is French."""


def parse_csv(data: bytes, today: date) -> list[CsvRow]:
    """Rows of an RFC 4180 file (comma or semicolon; UTF-8 with or without BOM, or Windows-1252 as
    Excel writes it; headers as other tools name them) with their line.

    A doubled quote inside a quoted field is one quote (`"O""Brien"` is O"Brien), line breaks
    inside quotes are kept; each row carries its own problems, none is dropped.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's « CSV (point-virgule) » in French
        if "\ufffd" in text:
            raise CsvFormatError("Encodage du fichier illisible : enregistrez-le en « CSV UTF-8 ».") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True,
                        strict=True)
    try:
        header = [header_name(h) for h in next(reader)]
    except StopIteration:
        raise CsvFormatError("Le fichier est vide.") from None
    except csv.Error as exc:
        raise CsvFormatError(f"ligne 1 : {exc}") from exc
    missing = [c for c in ("email", "nom_naissance", "prenom1", "date_naissance", "sexe") if c not in header]
    if missing:
        raise CsvFormatError(f"Colonnes manquantes : {', '.join(missing)} (attendues : {', '.join(CSV_COLUMNS)}).")
    rows = []
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CsvFormatError(f"ligne {line} : {exc}") from exc
        if not any(v.strip() for v in values):
            continue
        record = dict(zip(header, values, strict=False))
        raw_date = record.get("date_naissance", "")
        identity = normalise(Identity(
            birth_name=record.get("nom_naissance", ""), usage_name=record.get("nom_usage", ""),
            first_name1=record.get("prenom1", ""), first_name2=record.get("prenom2", ""),
            first_name3=record.get("prenom3", ""), birth_date=parse_date(raw_date), sex=record.get("sexe", ""),
            commune_code=record.get("code_commune_naissance", ""), country_code=record.get("code_pays_naissance", ""),
            birth_place=record.get("lieu_naissance", ""),
        ))
        errors = problems(identity, today)
        if raw_date.strip() and identity.birth_date is None:
            errors["birth_date"] = f"Date de naissance illisible : « {raw_date.strip()} » (JJ/MM/AAAA)."
        if len(values) != len(header):
            errors["columns"] = f"{len(values)} colonnes au lieu de {len(header)}."
        rows.append(CsvRow(line, record.get("email", "").strip().lower(), identity, errors))
    return rows
