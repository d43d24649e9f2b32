"""Every models module, imported once so the metadata (and Alembic) sees all tables."""

import quiz.accounts.models  # noqa: F401
import quiz.accounts.throttle  # noqa: F401
import quiz.audit.models  # noqa: F401
import quiz.authoring.models  # noqa: F401
import quiz.banks.store  # noqa: F401
import quiz.exams.models  # noqa: F401
import quiz.ledger.models  # noqa: F401
