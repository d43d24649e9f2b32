"""YAML for bank metadata: exact decimals, no dates, and the line of every top-level key."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

ALIAS_PROBLEM = "anchors and aliases are not allowed"


class _Loader(yaml.SafeLoader):
    """SafeLoader whose floats are Decimals (42.5 stays 42.5), whose dates stay strings, and that
    refuses anchors and aliases.

    An alias repeats a node without repeating its text: nine lines of nested aliases ("billion
    laughs") expand into gigabytes once constructed, checked or quoted in a message. Metadata
    never needs one, so the first `&` or `*` stops the parse, before any expansion."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(None, None, ALIAS_PROBLEM, event.start_mark)
        return super().compose_node(parent, index)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | str:
    text = str(loader.construct_scalar(node)).replace("_", "").lower()
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


_Loader.add_constructor("tag:yaml.org,2002:float", _decimal)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


@dataclass
class YamlBlock:
    data: Any = None
    error: tuple[int, str] | None = None
    key_lines: dict[str, int] = field(default_factory=dict)
    nested_lines: dict[str, dict[str, int]] = field(default_factory=dict)

    def line_of(self, key: str, default: int) -> int:
        return self.key_lines.get(key, default)


_PROBLEMS_FR = (
    (re.compile(ALIAS_PROBLEM), "ancres et alias YAML (« & », « * ») non permis — écrivez chaque valeur en entier"),
    (re.compile(r"mapping values are not allowed"), "« : » inattendu (mettez la valeur entre guillemets)"),
    (re.compile(r"could not find expected ':'"), "« : » manquant après une clé"),
    (re.compile(r"found character '\\t'"), "tabulation interdite (indentez avec des espaces)"),
    (re.compile(r"found undefined alias|found unhashable"), "valeur invalide"),
    (re.compile(r"expected ',' or '\]'|expected ',' or '}'"), "liste ou dictionnaire non fermé"),
    (re.compile(r"found duplicate anchor|found undefined tag|could not determine a constructor"),
     "étiquette YAML non permise"),
)


def _french(problem: str) -> str:
    for pattern, french in _PROBLEMS_FR:
        if pattern.search(problem):
            return french
    return f"syntaxe incorrecte ({problem})"


def load_block(text: str, first_line: int) -> YamlBlock:
    """Parse `text`, whose first line is line `first_line` of the file; never raises."""
    block = YamlBlock()
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is not None:
            block.data = loader.construct_document(node)
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    key = str(key_node.value)
                    block.key_lines.setdefault(key, first_line + key_node.start_mark.line)
                    if isinstance(value_node, yaml.MappingNode):
                        block.nested_lines[key] = {
                            str(k.value): first_line + k.start_mark.line for k, _ in value_node.value
                        }
    except yaml.reader.ReaderError as exc:
        line = first_line + text[: exc.position].count("\n")
        block.error = (line, f"caractère non permis (U+{exc.character:04X}) — retirez-le"
                       if isinstance(exc.character, int) else "caractère non permis — retirez-le")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        block.error = (line, _french(str(exc.problem or exc.context or "")))
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        block.error = (first_line, _french(type(exc).__name__))
    finally:
        if loader is not None:
            loader.dispose()
    return block
