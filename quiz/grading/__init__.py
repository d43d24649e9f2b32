"""Assessors: grading E1/E3/E4/E5 against the referential's criteria, with evidence files."""
