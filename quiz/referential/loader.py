"""Read referential.yaml into frozen dataclasses, refusing a file that breaks the rules."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from quiz.referential.model import (
    MODALITY_CODES,
    Activity,
    Bloc,
    Competence,
    CriteriaGroup,
    Modality,
    Referential,
    ReferentialError,
    Requirement,
    Thematic,
)

DEFAULT_PATH = Path(__file__).with_name("referential.yaml")


def load_referential(path: str | Path | None = None) -> Referential:
    """The referential at `path` (default: the packaged file), cached per path."""
    return _load(str(Path(path or DEFAULT_PATH).resolve()))


@lru_cache(maxsize=8)
def _load(path: str) -> Referential:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReferentialError(f"{path} : lecture impossible ({exc})") from exc
    try:
        return build_referential(data)
    except ReferentialError as exc:
        raise ReferentialError(f"{path} : {exc}") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise ReferentialError(f"{path} : structure invalide ({exc!r})") from exc


def build_referential(data: Any) -> Referential:
    """Build and validate a referential from plain data (the parsed YAML)."""
    if not isinstance(data, dict):
        raise ReferentialError("le fichier doit contenir un dictionnaire YAML")
    errors: list[str] = []

    e2_rule = data.get("e2_rule", "all")
    if e2_rule not in ("all", "any"):
        errors.append(f"e2_rule « {e2_rule} » : valeurs possibles « all » ou « any »")

    modalities = tuple(Modality(m["code"], m["title"]) for m in data["modalities"])
    if tuple(m.code for m in modalities) != MODALITY_CODES:
        errors.append("les modalités doivent être exactement E1 à E5")

    groups = {g["id"]: CriteriaGroup(g["id"], g["title"], tuple(g["items"])) for g in data["criteria"]}
    thematic_rows = data["thematics"]
    mapped: dict[str, list[int]] = {}
    for t in thematic_rows:
        for code in t["competences"]:
            mapped.setdefault(code, []).append(t["number"])

    competences: list[Competence] = []
    for c in data["competences"]:
        code = c["code"]
        if c["criteria"] not in groups:
            errors.append(f"{code} : groupe de critères inconnu « {c['criteria']} »")
            continue
        requires = tuple(Requirement(r["modality"], r["wording"], r.get("phase")) for r in c["requires"])
        for r in requires:
            if r.modality not in MODALITY_CODES:
                errors.append(f"{code} : modalité inconnue « {r.modality} »")
        if len({r.modality for r in requires}) != len(requires):
            errors.append(f"{code} : une modalité est exigée deux fois")
        rule = c.get("e2_rule", e2_rule)
        if rule not in ("all", "any"):
            errors.append(f"{code} : e2_rule « {rule} » : valeurs possibles « all » ou « any »")
        competences.append(
            Competence(
                code=code,
                ref=c["ref"],
                bloc=c["bloc"],
                activity=c["activity"],
                sub_activity=c["sub_activity"],
                statement=c["statement"],
                criteria=groups[c["criteria"]],
                requires=requires,
                e2_rule=rule,
                thematics=tuple(sorted(mapped.get(code, []))),
            )
        )

    codes = [c.code for c in competences] + [c.ref for c in competences]
    for dup in sorted({x for x in codes if codes.count(x) > 1}):
        errors.append(f"code de compétence en double : {dup}")
    by_code = {c.code: c for c in competences}

    bloc_codes = [b["code"] for b in data["blocs"]]
    if len(set(bloc_codes)) != len(bloc_codes):
        errors.append("code de bloc en double")
    activity_bloc = {a: b["code"] for b in data["blocs"] for a in b["activities"]}
    activities = []
    for a in data["activities"]:
        if a["code"] not in activity_bloc:
            errors.append(f"activité {a['code']} rattachée à aucun bloc")
        activities.append(Activity(a["code"], a["title"], tuple(a["sub_activities"]), activity_bloc.get(a["code"], "")))
    subs = {a.code: a.sub_activities for a in activities}

    for c in competences:
        if c.bloc not in bloc_codes:
            errors.append(f"{c.code} : bloc inconnu « {c.bloc} »")
        elif activity_bloc.get(c.activity) != c.bloc:
            errors.append(f"{c.code} : l'activité {c.activity} n'appartient pas au bloc {c.bloc}")
        if c.sub_activity not in subs.get(c.activity, ()):
            errors.append(f"{c.code} : sous-activité « {c.sub_activity} » absente de {c.activity}")
        if c.requires_modality("E2") and not c.thematics:
            errors.append(f"{c.code} exige E2 mais aucune thématique ne l'évalue")
        if not c.requires_modality("E2") and c.thematics:
            errors.append(f"{c.code} est associée à une thématique mais n'exige pas E2")

    blocs = tuple(
        Bloc(
            code=b["code"],
            number=b["number"],
            title=b["title"],
            activities=tuple(b["activities"]),
            competences=tuple(c.code for c in competences if c.bloc == b["code"]),
        )
        for b in data["blocs"]
    )
    for b in blocs:
        if not b.competences:
            errors.append(f"le bloc {b.code} n'a aucune compétence")

    thematics = []
    for t in thematic_rows:
        comps = tuple(t["competences"])
        for code in comps:
            if code not in by_code:
                errors.append(f"thématique {t['number']} : compétence inconnue « {code} »")
        if not any(code in by_code and by_code[code].requires_modality("E2") for code in comps):
            errors.append(f"la thématique {t['number']} n'évalue aucune compétence E2")
        thematics.append(Thematic(t["number"], t["slug"], t["prefix"], t["title"], t["label"], comps))
    numbers = [t.number for t in thematics]
    if sorted(numbers) != list(range(1, len(numbers) + 1)):
        errors.append("les thématiques doivent être numérotées 1, 2, 3… sans trou ni doublon")
    prefixes = [t.prefix for t in thematics]
    if len(set(prefixes)) != len(prefixes):
        errors.append("préfixe de thématique en double")

    threshold = data["pass_threshold"]
    pass_threshold = Fraction(threshold["numerator"], threshold["denominator"])
    if not 0 < pass_threshold <= 1:
        errors.append("le seuil de réussite doit être compris entre 0 et 1")

    if errors:
        raise ReferentialError("; ".join(errors))
    return Referential(
        title=data["title"],
        pass_threshold=pass_threshold,
        e2_rule=e2_rule,
        modalities=modalities,
        blocs=blocs,
        activities=tuple(activities),
        criteria=tuple(groups.values()),
        competences=tuple(competences),
        thematics=tuple(thematics),
    )
