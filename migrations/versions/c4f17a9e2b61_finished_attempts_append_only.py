"""finished attempts and their items append-only (triggers), issue 17

Revision ID: c4f17a9e2b61
Revises: 77b2e81c2ed4
Create Date: 2026-12-04 02:40:00

"""
from alembic import op

# Copied from quiz.exams.integrity when this revision was written (a migration does not change
# when the code does): see that module for what is frozen and the controlled `rescoring()` path.
APPEND_ONLY = {'postgresql': ('CREATE OR REPLACE FUNCTION quiz_finished_attempt() RETURNS trigger AS $$\n'
                'BEGIN\n'
                "    IF OLD.status <> 'in_progress' AND (TG_OP = 'DELETE' OR NEW.status = 'in_progress' OR "
                'NEW.candidate_id IS DISTINCT FROM OLD.candidate_id OR NEW.questionnaire_id IS DISTINCT FROM '
                'OLD.questionnaire_id OR NEW.session_id IS DISTINCT FROM OLD.session_id OR NEW.number IS '
                'DISTINCT FROM OLD.number OR NEW.trial IS DISTINCT FROM OLD.trial OR NEW.started_at IS '
                'DISTINCT FROM OLD.started_at OR NEW.deadline IS DISTINCT FROM OLD.deadline OR '
                'NEW.finished_at IS DISTINCT FROM OLD.finished_at OR NEW.finished_by IS DISTINCT FROM '
                'OLD.finished_by\n'
                '            OR (OLD.score IS NOT NULL AND (NEW.score IS DISTINCT FROM OLD.score OR '
                'NEW.total IS DISTINCT FROM OLD.total OR NEW.passed IS DISTINCT FROM OLD.passed) AND NOT '
                "coalesce(current_setting('quiz.rescoring', true), '') = 'on')) THEN\n"
                '        RAISE EXCEPTION USING\n'
                "            MESSAGE = 'attempts: a finished attempt is append-only: ' || TG_OP || ' "
                "refused',\n"
                "            ERRCODE = 'integrity_constraint_violation';\n"
                '    END IF;\n'
                "    IF TG_OP = 'DELETE' THEN\n"
                '        RETURN OLD;\n'
                '    END IF;\n'
                '    RETURN NEW;\n'
                'END;\n'
                '$$ LANGUAGE plpgsql',
                'CREATE TRIGGER attempts_finished_append_only BEFORE UPDATE OR DELETE ON attempts FOR EACH '
                'ROW EXECUTE FUNCTION quiz_finished_attempt()',
                'CREATE OR REPLACE FUNCTION quiz_finished_attempt_item() RETURNS trigger AS $$\n'
                'BEGIN\n'
                '    IF EXISTS (SELECT 1 FROM attempts WHERE id = OLD.attempt_id AND status <> '
                "'in_progress')\n"
                "            AND (TG_OP = 'DELETE' OR NEW.attempt_id IS DISTINCT FROM OLD.attempt_id OR "
                'NEW.position IS DISTINCT FROM OLD.position OR NEW.question_version_id IS DISTINCT FROM '
                'OLD.question_version_id OR NEW.option_order::text IS DISTINCT FROM OLD.option_order::text\n'
                '                 OR ((NEW.response::text IS DISTINCT FROM OLD.response::text OR '
                'NEW.answered IS DISTINCT FROM OLD.answered OR NEW.saved_at IS DISTINCT FROM OLD.saved_at OR '
                '(OLD.credit IS NOT NULL AND NEW.credit IS DISTINCT FROM OLD.credit)) AND NOT '
                "coalesce(current_setting('quiz.rescoring', true), '') = 'on')) THEN\n"
                '        RAISE EXCEPTION USING\n'
                "            MESSAGE = 'attempt_items: the items of a finished attempt are append-only: ' || "
                "TG_OP || ' refused',\n"
                "            ERRCODE = 'integrity_constraint_violation';\n"
                '    END IF;\n'
                "    IF TG_OP = 'DELETE' THEN\n"
                '        RETURN OLD;\n'
                '    END IF;\n'
                '    RETURN NEW;\n'
                'END;\n'
                '$$ LANGUAGE plpgsql',
                'CREATE TRIGGER attempt_items_finished_append_only BEFORE UPDATE OR DELETE ON attempt_items '
                'FOR EACH ROW EXECUTE FUNCTION quiz_finished_attempt_item()'),
 'sqlite': ('CREATE TRIGGER attempts_finished_no_delete BEFORE DELETE ON attempts WHEN OLD.status <> '
            "'in_progress' BEGIN SELECT RAISE(ABORT, 'attempts: a finished attempt is append-only: DELETE "
            "refused'); END",
            'CREATE TRIGGER attempts_finished_no_update BEFORE UPDATE ON attempts WHEN OLD.status <> '
            "'in_progress' AND (NEW.status = 'in_progress' OR NEW.candidate_id IS NOT OLD.candidate_id OR "
            'NEW.questionnaire_id IS NOT OLD.questionnaire_id OR NEW.session_id IS NOT OLD.session_id OR '
            'NEW.number IS NOT OLD.number OR NEW.trial IS NOT OLD.trial OR NEW.started_at IS NOT '
            'OLD.started_at OR NEW.deadline IS NOT OLD.deadline OR NEW.finished_at IS NOT OLD.finished_at OR '
            'NEW.finished_by IS NOT OLD.finished_by OR (OLD.score IS NOT NULL AND (NEW.score IS NOT '
            'OLD.score OR NEW.total IS NOT OLD.total OR NEW.passed IS NOT OLD.passed) AND NOT '
            "quiz_rescoring())) BEGIN SELECT RAISE(ABORT, 'attempts: a finished attempt is append-only: "
            "UPDATE refused'); END",
            'CREATE TRIGGER attempt_items_finished_no_delete BEFORE DELETE ON attempt_items WHEN EXISTS '
            "(SELECT 1 FROM attempts WHERE id = OLD.attempt_id AND status <> 'in_progress') BEGIN SELECT "
            "RAISE(ABORT, 'attempt_items: the items of a finished attempt are append-only: DELETE refused'); "
            'END',
            'CREATE TRIGGER attempt_items_finished_no_update BEFORE UPDATE ON attempt_items WHEN EXISTS '
            "(SELECT 1 FROM attempts WHERE id = OLD.attempt_id AND status <> 'in_progress') AND "
            '(NEW.attempt_id IS NOT OLD.attempt_id OR NEW.position IS NOT OLD.position OR '
            'NEW.question_version_id IS NOT OLD.question_version_id OR NEW.option_order IS NOT '
            'OLD.option_order OR ((NEW.response IS NOT OLD.response OR NEW.answered IS NOT OLD.answered OR '
            'NEW.saved_at IS NOT OLD.saved_at OR (OLD.credit IS NOT NULL AND NEW.credit IS NOT OLD.credit)) '
            "AND NOT quiz_rescoring())) BEGIN SELECT RAISE(ABORT, 'attempt_items: the items of a finished "
            "attempt are append-only: UPDATE refused'); END")}

DROP_APPEND_ONLY = {'postgresql': ('DROP TRIGGER IF EXISTS attempts_finished_append_only ON attempts',
                'DROP TRIGGER IF EXISTS attempt_items_finished_append_only ON attempt_items',
                'DROP FUNCTION IF EXISTS quiz_finished_attempt()',
                'DROP FUNCTION IF EXISTS quiz_finished_attempt_item()'),
 'sqlite': ('DROP TRIGGER IF EXISTS attempts_finished_no_delete',
            'DROP TRIGGER IF EXISTS attempts_finished_no_update',
            'DROP TRIGGER IF EXISTS attempt_items_finished_no_delete',
            'DROP TRIGGER IF EXISTS attempt_items_finished_no_update')}

# revision identifiers, used by Alembic.
revision = 'c4f17a9e2b61'
down_revision = '77b2e81c2ed4'
branch_labels = None
depends_on = None


def upgrade():
    for statement in APPEND_ONLY.get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def downgrade():
    for statement in DROP_APPEND_ONLY.get(op.get_bind().dialect.name, ()):
        op.execute(statement)
