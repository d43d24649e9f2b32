from decimal import Decimal

import pytest

from quiz.banks.numbers import canonical, parse_number


@pytest.mark.parametrize(
    ("typed", "value"),
    [("42,5", "42.5"), ("42.5", "42.5"), ("1 250,5", "1250.5"), ("1\u00a0250,5", "1250.5"),
     ("1\u202f250,5", "1250.5"), ("-3", "-3"), ("\u22123", "-3"), ("+7", "7"), (",5", "0.5"),
     ("12 345 678", "12345678"),
     (" 42 ", "42"), (3, "3"), (2.5, "2.5")],
)
def test_numbers_people_type(typed, value):
    assert parse_number(typed) == Decimal(value)


@pytest.mark.parametrize(
    "typed", ["", "abc", "1,250.5", "1.250,5", "1e3", "nan", "inf", "12 34", "--3", "4,", "1 250.5", None, True,
              float("nan"), "9" * 100, [], "4 2"]
)
def test_junk_is_refused(typed):
    assert parse_number(typed) is None


def test_unit_may_follow():
    assert parse_number("42,5 %", "%") == Decimal("42.5")
    assert parse_number("42,5 k€", "%") is None


def test_canonical():
    assert [canonical(Decimal(x)) for x in ("42.50", "1E+2", "-0", "0.000")] == ["42.5", "100", "0", "0"]
