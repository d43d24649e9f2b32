"""A valid bank text for tests, and helpers to build variations of it."""

from __future__ import annotations

HEADER = """---
thematic: 1
prefix: AF
title: Analyse financière
defaults:
  shuffle: true
---

# Analyse financière

Introduction pour les formateurs.
"""

SINGLE = """## AF-001 · Besoin en fonds de roulement

```yaml
type: single
difficulty: 2
competences: [C15]
tags: [bfr]
```

| Stocks | Créances clients | Dettes fournisseurs |
|-------:|-----------------:|--------------------:|
| 120    | 300              | 180                 |

Quel est le BFRE ?

### Réponses

- [ ] 600 k€
  > Les dettes fournisseurs se retranchent.
- [x] 240 k€
- [ ] 60 k€

### Explication

BFRE = 120 + 300 − 180 = 240 k€.
"""

MULTIPLE = """## AF-002 · Ressources stables

```yaml
type: multiple
scoring: partial
```

Lesquelles sont des ressources stables ?

### Réponses

- [x] Capitaux propres
- [x] Dettes financières à long terme
- [ ] Dettes fournisseurs

### Explication

Les dettes fournisseurs sont des ressources d'exploitation.
"""

TRUEFALSE = """## AF-003 · Le BFR peut être négatif

```yaml
type: truefalse
answer: true
```

Le BFR peut être négatif.

### Explication

Oui, dans la grande distribution par exemple.
"""

NUMERIC = """## AF-004 · Gearing

```yaml
type: numeric
answer: 42.5
tolerance: 0.5
unit: "%"
```

Dettes nettes 850, capitaux propres 2 000. Gearing en % ?

### Explication

850 / 2 000 = 42,5 %.
"""

ORDERING = """## AF-005 · Soldes intermédiaires

```yaml
type: ordering
```

Classez du haut vers le bas du tableau des SIG.

### Réponses

1. Marge commerciale
2. Valeur ajoutée
3. Excédent brut d'exploitation

### Explication

C'est l'ordre du tableau des soldes intermédiaires de gestion.
"""

MATCHING = """## AF-006 · Ratios

```yaml
type: matching
```

Associez chaque ratio à sa formule.

### Réponses

| Ratio | Formule |
|---|---|
| Gearing | Dettes nettes / capitaux propres |
| ROE | Résultat net / capitaux propres |
| Marge nette | Résultat net / chiffre d'affaires |

### Explication

Définitions usuelles.
"""

QUESTIONS = (SINGLE, MULTIPLE, TRUEFALSE, NUMERIC, ORDERING, MATCHING)
VALID = HEADER + "\n" + "\n".join(QUESTIONS)


def bank(*questions: str, header: str = HEADER) -> str:
    return header + "\n" + "\n".join(questions)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the n-th line containing `needle`."""
    count = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            count += 1
            if count == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found")
