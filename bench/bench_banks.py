"""Time the bank checker: the shipped banks, and a generated bank of 10,000 questions.

Run: .venv/bin/python bench/bench_banks.py   (prints per-question cost and the ratio)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quiz.banks import check_banks, check_paths  # noqa: E402
from quiz.referential import load_referential  # noqa: E402

TEMPLATE = """## AF-{n:05d} · Question {n}

```yaml
type: single
difficulty: {d}
competences: [C15]
tags: [bench]
```

Une entreprise présente au bilan (en k€) :

| Stocks | Créances clients | Dettes fournisseurs |
|-------:|-----------------:|--------------------:|
| {n}    | 300              | 180                 |

Quel est son besoin en fonds de roulement d'exploitation ?

### Réponses

- [ ] {a} k€
  > Les dettes fournisseurs se retranchent.
- [x] {b} k€
- [ ] 60 k€

### Explication

BFRE = stocks + créances clients − dettes fournisseurs.
"""


def generated_bank(count: int) -> str:
    header = "---\nthematic: 1\nprefix: AF\ntitle: Analyse financière\n---\n\n# Banque générée\n\n"
    return header + "\n".join(
        TEMPLATE.format(n=n, d=n % 3 + 1, a=n + 480, b=n + 120) for n in range(1, count + 1)
    )


def best_of(runs: int, action) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings), statistics.median(timings)


def main() -> None:
    referential = load_referential()
    banks_dir = ROOT / "question_banks"
    shipped = check_paths([banks_dir], referential)
    shipped_count = sum(len(b.questions) for b in shipped.banks)
    best, median = best_of(5, lambda: check_paths([banks_dir], referential))
    big_text = generated_bank(10_000)
    big = check_banks({"01-analyse-financiere.md": big_text}, referential, require_all_thematics=False)
    assert not big.problems and len(big.banks[0].questions) == 10_000
    big_best, big_median = best_of(3, lambda: check_banks({"01-analyse-financiere.md": big_text}, referential,
                                                           require_all_thematics=False))
    per_small = best / shipped_count * 1e6
    per_big = big_best / 10_000 * 1e6
    print(f"shipped banks: {len(shipped.banks)} banks, {shipped_count} questions, "
          f"best {best * 1000:.1f} ms (median {median * 1000:.1f} ms), {per_small:.0f} µs/question")
    print(f"generated bank: 10000 questions ({len(big_text) / 1e6:.1f} MB), best {big_best:.2f} s "
          f"(median {big_median:.2f} s), {per_big:.0f} µs/question")
    print(f"per-question cost ratio (10,000-question bank / shipped banks): {per_big / per_small:.2f}")


if __name__ == "__main__":
    main()
