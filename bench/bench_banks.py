"""Time the bank checker: the shipped banks, and twelve generated banks of 10,008 questions in all.

A bank is capped at 512 KiB (the checker refuses a longer one before parsing it), so the large
case is one generated bank per thematic, 834 questions each, each under the cap.

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

PER_BANK = 834

TEMPLATE = """## {prefix}-{n:05d} · Question {n}

```yaml
type: single
difficulty: {d}
competences: [{competence}]
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


def generated_banks(referential, per_bank: int) -> dict[str, str]:
    """One bank per thematic of `per_bank` questions, named and prefixed as the referential says."""
    banks = {}
    for number in range(1, 13):
        thematic = referential.thematic(number)
        header = (f"---\nthematic: {number}\nprefix: {thematic.prefix}\ntitle: {thematic.title}\n---\n\n"
                  "# Banque générée\n\n")
        banks[thematic.filename] = header + "\n".join(
            TEMPLATE.format(prefix=thematic.prefix, competence=thematic.competences[0], n=n, d=n % 3 + 1,
                            a=n + 480, b=n + 120)
            for n in range(1, per_bank + 1))
    return banks


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
    generated = generated_banks(referential, PER_BANK)
    big = check_banks(generated, referential, require_all_thematics=True)
    big_count = sum(len(b.questions) for b in big.banks)
    assert not big.problems and big_count == 12 * PER_BANK, big.problems[:3]
    big_best, big_median = best_of(3, lambda: check_banks(generated, referential, require_all_thematics=True))
    per_small = best / shipped_count * 1e6
    per_big = big_best / big_count * 1e6
    print(f"shipped banks: {len(shipped.banks)} banks, {shipped_count} questions, "
          f"best {best * 1000:.1f} ms (median {median * 1000:.1f} ms), {per_small:.0f} µs/question")
    size = sum(len(text.encode()) for text in generated.values()) / 1e6
    print(f"generated banks: 12 × {PER_BANK} = {big_count} questions ({size:.1f} MB), best {big_best:.2f} s "
          f"(median {big_median:.2f} s), {per_big:.0f} µs/question")
    print(f"per-question cost ratio (generated banks / shipped banks): {per_big / per_small:.2f}")


if __name__ == "__main__":
    main()
