"""Assessments graded by people (E1, E3, E4, E5): sessions opened to cohorts, candidates'
deposits with receipts, anonymous allocation to assessors, double marking and moderation, E4
appointments. Sits above the ledger (it writes the final decisions there) and beside exams."""
