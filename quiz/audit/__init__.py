"""The audit trail: who did what sensitive thing, when and from where; append-only."""
