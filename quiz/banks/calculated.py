"""Parametric numeric questions (`type: calculated`): variables, a formula, placeholders.

Expressions are parsed with `ast` and only a small arithmetic subset is accepted (numbers,
variables, + - * / **, parentheses, min, max, abs, round; comparisons and and/or/not in
constraints); they are compiled to closures evaluated with `fractions.Fraction`, never with
`eval`. Every result is exact; a number grows only so far (exponents and sizes are bounded), so
that a bank cannot make the checker or a start spin. Pure: no Flask here.
"""

from __future__ import annotations

import ast
import itertools
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import lru_cache
from typing import Any

from quiz.banks.numbers import canonical

MAX_GRID = 100_000
MAX_EXPRESSION = 300  # characters
MAX_NODES = 120
MAX_EXPONENT = 12
MAX_BITS = 1024  # of a numerator or denominator: far beyond any amount, far below a slow one
MAX_DECIMALS = 10
FUNCTIONS = ("min", "max", "abs", "round")
KEY_NAME = "answer"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
_NUMBER_RE = re.compile(r"^\d+(?:\.\d+)?$")
NNBSP = "\u202f"
MINUS = "\u2212"

Env = dict[str, Fraction]


class ExprError(ValueError):
    """An expression that cannot be accepted or evaluated; the message is French."""


@dataclass(frozen=True)
class Variable:
    """A variable's grid: min, min + step, … up to max (exact decimals)."""

    name: str
    min: Decimal
    max: Decimal
    step: Decimal

    @property
    def count(self) -> int:
        return int((self.max - self.min) // self.step) + 1

    def values(self) -> list[Decimal]:
        return [self.min + k * self.step for k in range(self.count)]

    @property
    def decimals(self) -> int:
        """The decimals its values are shown with: those of its step and its minimum."""
        return max(_decimals_of(self.step), _decimals_of(self.min))

    def to_payload(self) -> dict[str, str]:
        return {"name": self.name, "min": canonical(self.min), "max": canonical(self.max),
                "step": canonical(self.step)}

    @classmethod
    def from_payload(cls, data: dict) -> Variable:
        return cls(data["name"], Decimal(data["min"]), Decimal(data["max"]), Decimal(data["step"]))


def _decimals_of(value: Decimal) -> int:
    text = canonical(value)
    return len(text.split(".")[1]) if "." in text else 0


# --- expressions ------------------------------------------------------------------------------


def _checked(value: Fraction) -> Fraction:
    if value.numerator.bit_length() > MAX_BITS or value.denominator.bit_length() > MAX_BITS:
        raise ExprError("nombre trop grand")
    return value


def round_half_up(value: Fraction, decimals: int) -> Fraction:
    """`value` rounded to `decimals` decimals, halves away from zero (as people round)."""
    scale = 10 ** decimals
    magnitude = math.floor(abs(value) * scale + Fraction(1, 2))
    return Fraction(magnitude if value >= 0 else -magnitude, scale)


def _divide(a: Fraction, b: Fraction) -> Fraction:
    if b == 0:
        raise ExprError("division par zéro")
    return a / b


def _power(a: Fraction, b: Fraction) -> Fraction:
    if b.denominator != 1 or abs(b) > MAX_EXPONENT:
        raise ExprError(f"exposant « {_plain(b)} » non permis — un entier de -{MAX_EXPONENT} à {MAX_EXPONENT}")
    if a == 0 and b < 0:
        raise ExprError("division par zéro")
    return a ** int(b)


_BINARY: dict[type, Callable[[Fraction, Fraction], Fraction]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: _divide,
    ast.Pow: _power,
}
_COMPARE: dict[type, Callable[[Fraction, Fraction], bool]] = {
    ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b, ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
}


def _plain(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else str(value)


def _round(args: list[Fraction]) -> Fraction:
    if len(args) not in (1, 2):
        raise ExprError("round prend un nombre et, facultatif, le nombre de décimales : round(x, 2)")
    digits = args[1] if len(args) == 2 else Fraction(0)
    if digits.denominator != 1 or not 0 <= digits <= MAX_DECIMALS:
        raise ExprError(f"round(x, n) : n est un entier de 0 à {MAX_DECIMALS}")
    return round_half_up(args[0], int(digits))


def _call(name: str, args: list[Fraction]) -> Fraction:
    if name == "round":
        return _round(args)
    if name == "abs":
        if len(args) != 1:
            raise ExprError("abs prend un seul nombre : abs(x)")
        return abs(args[0])
    if not args:
        raise ExprError(f"{name}() sans argument")
    return min(args) if name == "min" else max(args)


class _Compiler:
    def __init__(self, source: str, names: frozenset[str], condition: bool) -> None:
        self.source = source
        self.names = names
        self.condition = condition
        self.used: set[str] = set()

    def number(self, node: ast.Constant) -> Callable[[Env], Fraction]:
        text = ast.get_source_segment(self.source, node) or repr(node.value)
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)) or not _NUMBER_RE.match(text):
            raise ExprError(f"« {text} » n'est pas un nombre permis — écrivez 1200 ou 1.2 (point décimal)")
        value = Fraction(text)
        return lambda env: value

    def value(self, node: ast.AST) -> Callable[[Env], Fraction]:
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            name = node.id
            if name not in self.names:
                raise ExprError(f"nom « {name} » inconnu — variables : {', '.join(sorted(self.names)) or 'aucune'}")
            self.used.add(name)
            return lambda env: env[name]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.value(node.operand)
            if isinstance(node.op, ast.USub):
                return lambda env: -operand(env)
            return operand
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right, op = self.value(node.left), self.value(node.right), _BINARY[type(node.op)]
            return lambda env: _checked(op(left(env), right(env)))
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                what = node.func.id if isinstance(node.func, ast.Name) else \
                    (ast.get_source_segment(self.source, node.func) or "?")
                raise ExprError(f"fonction « {what} » non permise — seules {', '.join(FUNCTIONS)} le sont")
            if node.keywords:
                raise ExprError(f"{node.func.id}() : pas d'argument nommé")
            name = node.func.id
            args = [self.value(a) for a in node.args]
            if name == "round" and len(args) == 2 and not isinstance(node.args[1], ast.Constant):
                raise ExprError("round(x, n) : n est un nombre écrit, par exemple round(x, 2)")
            return lambda env: _checked(_call(name, [a(env) for a in args]))
        if isinstance(node, ast.Tuple):
            raise ExprError("virgule hors d'un appel de fonction — les nombres s'écrivent avec un point (1.2)")
        if isinstance(node, (ast.Compare, ast.BoolOp)) or (isinstance(node, ast.UnaryOp)
                                                           and isinstance(node.op, ast.Not)):
            raise ExprError("comparaison permise seulement dans constraints")
        raise ExprError(f"élément « {ast.get_source_segment(self.source, node) or type(node).__name__} » non "
                        "permis — nombres, variables, + - * / **, parenthèses, min, max, abs, round")

    def test(self, node: ast.AST) -> Callable[[Env], bool]:
        if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
            terms = [self.value(node.left), *(self.value(c) for c in node.comparators)]
            ops = [_COMPARE[type(op)] for op in node.ops]

            def compare(env: Env) -> bool:
                values = [t(env) for t in terms]
                return all(op(a, b) for op, a, b in zip(ops, values, values[1:], strict=False))

            return compare
        if isinstance(node, ast.BoolOp):
            parts = [self.test(v) for v in node.values]
            if isinstance(node.op, ast.And):
                return lambda env: all(p(env) for p in parts)
            return lambda env: any(p(env) for p in parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.test(node.operand)
            return lambda env: not inner(env)
        raise ExprError("une contrainte compare deux expressions — par exemple « clients < ca »")


@dataclass(frozen=True)
class Expression:
    text: str
    names: frozenset[str]  # the names it uses
    run: Callable[[Env], Any]

    def __call__(self, env: Env) -> Any:
        return self.run(env)


@lru_cache(maxsize=4096)
def compile_expression(text: str, names: frozenset[str], condition: bool = False) -> Expression:
    """The compiled expression (a condition for constraints), or ExprError saying why not."""
    if not isinstance(text, str) or not text.strip():
        raise ExprError("expression vide")
    if len(text) > MAX_EXPRESSION:
        raise ExprError(f"expression de {len(text)} caractères (au plus {MAX_EXPRESSION})")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise ExprError("expression mal formée — vérifiez les parenthèses et les opérateurs") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ExprError(f"expression trop longue (au plus {MAX_NODES} éléments)")
    compiler = _Compiler(text.strip(), names, condition)
    run = compiler.test(tree.body) if condition else compiler.value(tree.body)
    return Expression(text, frozenset(compiler.used), run)


def evaluate(text: str, env: dict[str, Any]) -> Fraction:
    """The exact value of an arithmetic expression for the given variables (ExprError otherwise)."""
    values = {k: Fraction(v) for k, v in env.items()}
    return compile_expression(text, frozenset(values))(values)


# --- placeholders -----------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}\n]*)\}|[{}]")


@dataclass(frozen=True)
class Placeholder:
    text: str  # as written, braces included
    name: str | None  # `{ca}`
    expression: str | None  # `{=ca*1.2}`
    decimals: int | None  # `{=expr:2}`


def placeholders(text: str) -> Iterator[Placeholder | str]:
    """Each placeholder of a text, and "{" or "}" for a lone brace (an error for the checker)."""
    for match in _PLACEHOLDER.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        if match.group(1) is None:
            yield token
            continue
        inner = match.group(1).strip()
        if inner.startswith("="):
            body, decimals = inner[1:], None
            head, sep, tail = body.rpartition(":")
            if sep and tail.strip().isdigit():
                body, decimals = head, int(tail.strip())
            yield Placeholder(token, None, body.strip(), decimals)
        else:
            yield Placeholder(token, inner, None, None)


def french_number(value: Fraction, decimals: int, trim: bool = False) -> str:
    """`value` rounded half-up, thousands separated by a narrow no-break space, decimal comma."""
    rounded = round_half_up(value, decimals)
    scale = 10 ** decimals
    units, rest = divmod(abs(rounded.numerator * scale // rounded.denominator), scale)
    digits = f"{units:,}".replace(",", NNBSP)
    fraction = f"{rest:0{decimals}d}" if decimals else ""
    if trim:
        fraction = fraction.rstrip("0")
    sign = MINUS if rounded < 0 else ""
    return sign + digits + ("," + fraction if fraction else "")


# --- a question's specification ---------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """What the draw, the renderer and the scorer need of a calculated question."""

    variables: tuple[Variable, ...]
    constraints: tuple[str, ...]
    formula: str
    decimals: int

    @property
    def names(self) -> frozenset[str]:
        return frozenset(v.name for v in self.variables)

    @property
    def grid_size(self) -> int:
        return math.prod(v.count for v in self.variables)

    def grid(self) -> Iterator[Env]:
        names = [v.name for v in self.variables]
        for combo in itertools.product(*([Fraction(x) for x in v.values()] for v in self.variables)):
            yield dict(zip(names, combo, strict=True))

    def holds(self, env: Env) -> bool:
        return all(compile_expression(c, self.names, True)(env) for c in self.constraints)

    def key(self, env: Env) -> Fraction:
        return compile_expression(self.formula, self.names)(env)

    @classmethod
    def from_payload(cls, payload: dict) -> Spec:
        return cls(tuple(Variable.from_payload(v) for v in payload["variables"]),
                   tuple(payload.get("constraints", ())), payload["formula"], int(payload.get("decimals", 2)))


def instance_env(instance: dict[str, str]) -> Env:
    return {name: Fraction(Decimal(value)) for name, value in instance.items()}


@lru_cache(maxsize=512)
def _valid_instances(spec: Spec) -> tuple[tuple[str, ...], ...]:
    """Every instance of the grid that satisfies the constraints (computed once per process)."""
    return tuple(tuple(canonical(Decimal(v.numerator) / Decimal(v.denominator)) for v in env.values())
                 for env in spec.grid() if spec.holds(env))


def valid_instances(payload: dict) -> tuple[tuple[str, ...], ...]:
    return _valid_instances(Spec.from_payload(payload))


def draw_instance(payload: dict, rng) -> dict[str, str] | None:
    """A uniformly drawn valid instance of a calculated question, None for any other question."""
    if payload.get("type") != "calculated":
        return None
    spec = Spec.from_payload(payload)
    names = [v.name for v in spec.variables]
    return dict(zip(names, rng.choice(_valid_instances(spec)), strict=True))


def _decimal(value: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 34
        return Decimal(value.numerator) / Decimal(value.denominator)


def substitute(text: str, spec: Spec, env: Env) -> str:
    """`text` with its placeholders replaced by this instance's French-formatted figures."""
    variables = {v.name: v for v in spec.variables}
    names = spec.names | {KEY_NAME}
    values = env | {KEY_NAME: spec.key(env)}

    def replace(found: Placeholder, token: str) -> str:
        if found.name is not None:
            variable = variables.get(found.name)
            if variable is None:
                return token
            return french_number(env[found.name], variable.decimals)
        expression = compile_expression(found.expression or "", names)
        value = expression(values)
        if found.decimals is not None:
            return french_number(value, found.decimals)
        if expression.text.strip() == KEY_NAME:
            return french_number(value, spec.decimals)
        return french_number(value, spec.decimals, trim=True)

    return _substitute(text, replace)


def instantiate(payload: dict, instance: dict[str, str] | None) -> dict:
    """The payload of one candidate's instance, as a `numeric` question: figures in the stem and the
    explanation, the exact key (34 digits) and the key as shown (`key_shown`). Any other payload is
    returned as is."""
    if payload.get("type") != "calculated" or not instance:
        return payload
    spec = Spec.from_payload(payload)
    env = instance_env(instance)
    key = spec.key(env)
    shown = payload | {
        "type": "numeric",
        "calculated": True,
        "stem": substitute(payload["stem"], spec, env),
        "explanation": substitute(payload["explanation"], spec, env),
        "answer": canonical(_decimal(key)),
        "key_shown": french_number(key, spec.decimals),
        "instance": dict(instance),
    }
    for field in ("variables", "constraints", "formula", "decimals", "answer_range"):
        shown.pop(field, None)
    return shown


# --- Moodle syntax ----------------------------------------------------------------------------

_MOODLE_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def moodle_formula(text: str, formula: str | None = None) -> str:
    """An expression in Moodle's syntax: `{name}` for a variable, pow(a, b) for a ** b; `answer`
    (in a placeholder) is the formula itself."""

    def emit(node: ast.AST) -> str:
        if isinstance(node, ast.Constant):
            return ast.get_source_segment(source, node) or repr(node.value)
        if isinstance(node, ast.Name):
            if node.id == KEY_NAME and formula is not None:
                return f"({moodle_formula(formula)})"
            return "{" + node.id + "}"
        if isinstance(node, ast.UnaryOp):
            return ("-" if isinstance(node.op, ast.USub) else "+") + f"({emit(node.operand)})"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            return f"pow({emit(node.left)}, {emit(node.right)})"
        if isinstance(node, ast.BinOp):
            return f"({emit(node.left)} {_MOODLE_OPS[type(node.op)]} {emit(node.right)})"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return f"{node.func.id}({', '.join(emit(a) for a in node.args)})"
        raise ExprError("expression non traduisible")

    source = text.strip()
    return emit(ast.parse(source, mode="eval").body)


def moodle_text(text: str, formula: str) -> tuple[str, bool]:
    """A stem or explanation with placeholders as Moodle writes them (`{=…}` computed by Moodle);
    True when decimals given as `{=expr:N}` were dropped (Moodle has no such setting)."""
    dropped = False

    def replace(found: Placeholder, token: str) -> str:
        nonlocal dropped
        if found.name is not None:
            return token
        dropped = dropped or found.decimals is not None
        return "{=" + moodle_formula(found.expression or "", formula) + "}"

    return _substitute(text, replace), dropped


def _substitute(text: str, replace) -> str:
    """`text` with each placeholder replaced by `replace(placeholder, token)`; `{{` and `}}` are braces."""

    def one(match: re.Match) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        if match.group(1) is None:
            return token
        found = next(placeholders(token))
        assert isinstance(found, Placeholder)
        return replace(found, token)

    return _PLACEHOLDER.sub(one, text)


# --- QTI 3.0 template expressions -------------------------------------------------------------

_QTI_OPS = {ast.Add: "qti-sum", ast.Sub: "qti-subtract", ast.Mult: "qti-product", ast.Div: "qti-divide",
            ast.Pow: "qti-power"}
_QTI_COMPARE = {ast.Lt: "qti-lt", ast.LtE: "qti-lte", ast.Gt: "qti-gt", ast.GtE: "qti-gte"}


def qti_expression(text: str, parent, variable: Callable[[str], str]) -> None:
    """Append to `parent` (an ElementTree element) the QTI 3.0 expression of `text`; `variable`
    gives the template identifier of a name."""
    from xml.etree.ElementTree import SubElement

    def number(value: str, into) -> None:
        SubElement(into, "qti-base-value", {"base-type": "float"}).text = value

    def emit(node: ast.AST, into) -> None:
        if isinstance(node, ast.Constant):
            number(ast.get_source_segment(source, node) or repr(node.value), into)
        elif isinstance(node, ast.Name):
            SubElement(into, "qti-variable", {"identifier": variable(node.id)})
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            product = SubElement(into, "qti-product")
            number("-1", product)
            emit(node.operand, product)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            emit(node.operand, into)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            emit(node.operand, SubElement(into, "qti-not"))
        elif isinstance(node, ast.BinOp):
            op = SubElement(into, _QTI_OPS[type(node.op)])
            emit(node.left, op)
            emit(node.right, op)
        elif isinstance(node, ast.BoolOp):
            op = SubElement(into, "qti-and" if isinstance(node.op, ast.And) else "qti-or")
            for value in node.values:
                emit(value, op)
        elif isinstance(node, ast.Compare):
            target = SubElement(into, "qti-and") if len(node.ops) > 1 else into
            terms = [node.left, *node.comparators]
            for op, left, right in zip(node.ops, terms, terms[1:], strict=False):
                if isinstance(op, (ast.Eq, ast.NotEq)):
                    holder = SubElement(target, "qti-not") if isinstance(op, ast.NotEq) else target
                    element = SubElement(holder, "qti-equal", {"tolerance-mode": "exact"})
                else:
                    element = SubElement(target, _QTI_COMPARE[type(op)])
                emit(left, element)
                emit(right, element)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name == "abs":  # QTI has no absolute value: max(x, -x)
                emit(ast.Call(ast.Name("max"), [node.args[0], ast.UnaryOp(ast.USub(), node.args[0])], []), into)
            elif name == "round":
                digits = ast.get_source_segment(source, node.args[1]) if len(node.args) == 2 else "0"
                element = SubElement(into, "qti-round-to", {"rounding-mode": "decimalPlaces", "figures": digits})
                emit(node.args[0], element)
            else:
                element = SubElement(into, f"qti-{name}")
                for arg in node.args:
                    emit(arg, element)
        else:
            raise ExprError("expression non traduisible")

    source = text.strip()
    emit(ast.parse(source, mode="eval").body, parent)


def from_moodle_formula(text: str, names: frozenset[str]) -> str:
    """A Moodle formula (`{a} * pow({b}, 2)`) in this format's syntax (`a * b ** 2`), checked; an
    ExprError names what has no equivalent here (Moodle's other functions)."""
    source = re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", r"\1", text.strip())
    while source.startswith("(") and source.endswith(")") and _balanced(source[1:-1]):
        source = source[1:-1]
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        raise ExprError(f"« {text.strip()} » illisible") from None

    class Pow(ast.NodeTransformer):
        def visit_Call(self, node: ast.Call) -> ast.AST:
            self.generic_visit(node)
            if isinstance(node.func, ast.Name) and node.func.id == "pow" and len(node.args) == 2:
                return ast.BinOp(node.args[0], ast.Pow(), node.args[1])
            return node

    result = ast.unparse(ast.fix_missing_locations(Pow().visit(tree)))
    compile_expression(result, names)
    return result


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0
