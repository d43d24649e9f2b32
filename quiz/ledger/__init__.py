"""The ledger: append-only evaluation entries, status rules, candidate and jury views, exports."""
