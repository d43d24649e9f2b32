"""Every models module, imported once so the metadata (and Alembic) sees all tables."""

import quiz.accounts.models
import quiz.accounts.throttle
import quiz.assessments.models
import quiz.audit.models
import quiz.authoring.models
import quiz.banks.store
import quiz.certification.models
import quiz.exams.integrity
import quiz.exams.models
import quiz.ledger.models
import quiz.notifications.models
import quiz.storage.models  # noqa: F401
