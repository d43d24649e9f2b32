"""Interchange figures: what the Moodle import converts, refuses and loses on the corpus written
from Moodle's public format documentation (tests/fixtures/moodle/), and how the shipped banks
survive a round trip through Moodle XML and GIFT.

Run: .venv/bin/python bench/interchange.py   (prints Markdown tables for bench/README.md)
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quiz.banks import check_paths, parse_bank  # noqa: E402
from quiz.banks.exporting import convert_file, convert_text  # noqa: E402
from quiz.banks.gift import export_gift  # noqa: E402
from quiz.banks.moodle import export_moodle  # noqa: E402
from quiz.banks.render import render_markdown  # noqa: E402
from quiz.referential import load_referential  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "moodle"


def corpus_table(referential) -> list[str]:
    lines = ["| file | read | converted | of which with losses | refused | exit |", "|---|---:|---:|---:|---:|---:|"]
    reasons: Counter[str] = Counter()
    for path in sorted(CORPUS.iterdir()):
        conversion = convert_file(path, prefix="AF", thematic=1, referential=referential)
        lines.append(f"| `{path.name}` | {conversion.read} | {conversion.converted} | {conversion.count('lossy')} | "
                     f"{conversion.count('refused')} | {conversion.exit_code} |")
        for entry in conversion.entries:
            if entry.status == "refused":
                reasons[entry.losses[0].split(" :")[0].split(" (")[0]] += 1
    lines += ["", "| refusal (first words) | questions |", "|---|---:|"]
    lines += [f"| {reason} | {count} |" for reason, count in reasons.most_common()]
    return lines


def _html(md: str) -> str:
    return " ".join(render_markdown(md).split())  # a soft line break renders as a space


def rendered(q):
    """The question with its texts as HTML: equal when candidates would see the same."""
    return replace(q, stem=_html(q.stem), explanation=_html(q.explanation),
                   choices=tuple(replace(c, text=_html(c.text), feedback=c.feedback and _html(c.feedback))
                                 for c in q.choices))


def round_trip_table(referential) -> list[str]:
    banks = check_paths([ROOT / "question_banks"], referential).banks
    lines = ["| format | questions exported | read back | identical | same rendering | losses reported by the export "
             "| time |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name, export, kind in (("Moodle XML", export_moodle, "xml"), ("GIFT", export_gift, "gift")):
        exported = read = same = alike = lost = 0
        start = time.perf_counter()
        for bank in banks:
            text, losses = export(bank)
            lost += len(losses)
            conversion = convert_text(text, kind, prefix=bank.prefix, thematic=bank.thematic, referential=referential)
            back = parse_bank(conversion.markdown or "", Path(bank.filename).name, referential)[0]
            originals = {q.id: q for q in bank.questions}
            exported += len(bank.questions) if kind == "xml" else sum(q.type != "ordering" for q in bank.questions)
            read += conversion.converted
            same += sum(1 for q in (back.questions if back else ()) if originals.get(q.id) == q)
            alike += sum(1 for q in (back.questions if back else ()) if rendered(originals[q.id]) == rendered(q))
        elapsed = time.perf_counter() - start
        lines.append(f"| {name} | {exported} | {read} | {same} | {alike} | {lost} | {elapsed:.2f} s |")
    return lines


def main() -> None:
    referential = load_referential()
    print("\n".join(corpus_table(referential)))
    print()
    print("\n".join(round_trip_table(referential)))


if __name__ == "__main__":
    main()
