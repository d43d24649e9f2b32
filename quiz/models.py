"""Every models module, imported once so the metadata (and Alembic) sees all tables."""

import quiz.accounts.models  # noqa: F401
import quiz.ledger.models  # noqa: F401
