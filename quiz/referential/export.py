"""The referential as plain JSON-able data (for exports and the API)."""

from __future__ import annotations

from dataclasses import asdict

from quiz.referential.model import Referential


def referential_as_dict(ref: Referential) -> dict:
    return {
        "title": ref.title,
        "pass_threshold": {
            "numerator": ref.pass_threshold.numerator,
            "denominator": ref.pass_threshold.denominator,
            "percent": float(ref.pass_threshold * 100),
        },
        "e2_rule": ref.e2_rule,
        "modalities": [asdict(m) for m in ref.modalities],
        "blocs": [asdict(b) for b in ref.blocs],
        "activities": [asdict(a) for a in ref.activities],
        "criteria": [asdict(g) for g in ref.criteria],
        "competences": [
            {
                "code": c.code,
                "ref": c.ref,
                "bloc": c.bloc,
                "activity": c.activity,
                "sub_activity": c.sub_activity,
                "statement": c.statement,
                "modalities": list(c.modalities),
                "requires": [asdict(r) for r in c.requires],
                "criteria": c.criteria.id,
                "e2_rule": c.e2_rule if c.requires_modality("E2") else None,
                "e2_thematics": list(c.thematics),
            }
            for c in ref.competences
        ],
        "thematics": [asdict(t) | {"filename": t.filename} for t in ref.thematics],
        "e2_mapping": {str(t.number): list(t.competences) for t in ref.thematics},
    }
