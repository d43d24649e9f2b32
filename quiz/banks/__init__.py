"""Markdown question banks: parse, check, render, exchange (pure: no Flask, no database).

The database side (store.py, importer.py) and the CLI (cli.py) are imported explicitly by
their users so that importing `quiz.banks` stays free of Flask and SQLAlchemy.
"""

from quiz.banks.checker import BankSet, check_banks, check_paths
from quiz.banks.model import (
    TYPES,
    Bank,
    Choice,
    MatchPair,
    OrderItem,
    Question,
    Tolerance,
    content_hash,
)
from quiz.banks.parser import parse_bank
from quiz.banks.problems import Problem

__all__ = [
    "TYPES",
    "Bank",
    "BankSet",
    "Choice",
    "MatchPair",
    "OrderItem",
    "Problem",
    "Question",
    "Tolerance",
    "check_banks",
    "check_paths",
    "content_hash",
    "parse_bank",
]
