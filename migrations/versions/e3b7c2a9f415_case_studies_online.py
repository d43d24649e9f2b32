"""E3 online: case studies and their versions, online answers on the attempt engine, session mode

Revision ID: e3b7c2a9f415
Revises: d19ca1c0a7e5
Create Date: 2026-12-04 20:40:00

"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

import quiz.timeutil

revision = 'e3b7c2a9f415'
down_revision = 'd19ca1c0a7e5'
branch_labels = None
depends_on = None


def _append_only():
    """The triggers as revision c4f17a9e2b61 installed them: SQLite's batch mode rebuilds `attempts`
    and `attempt_items`, which drops them, so they are put back as they were."""
    path = Path(__file__).with_name("c4f17a9e2b61_finished_attempts_append_only.py")
    spec = importlib.util.spec_from_file_location("append_only_c4f17a9e2b61", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.APPEND_ONLY, module.DROP_APPEND_ONLY


ONLINE = "SELECT id FROM attempts WHERE questionnaire_id IS NULL"


def _nullable(nullable: bool):
    """Attempts without questionnaire allowed (upgrade) or removed then refused (downgrade), with
    the append-only triggers off meanwhile (SQLite's batch mode drops them anyway)."""
    dialect = op.get_bind().dialect.name
    install, drop = _append_only()
    for statement in drop.get(dialect, ()):
        op.execute(statement)
    if not nullable:
        for table in ("late_decisions", "late_answers", "attempt_items"):
            op.execute(f"DELETE FROM {table} WHERE attempt_id IN ({ONLINE})")
        op.execute("DELETE FROM attempts WHERE questionnaire_id IS NULL")
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.alter_column('questionnaire_id', existing_type=sa.Integer(), nullable=nullable)
    with op.batch_alter_table('attempt_items', schema=None) as batch_op:
        batch_op.alter_column('question_version_id', existing_type=sa.Integer(), nullable=nullable)
    for statement in install.get(dialect, ()):
        op.execute(statement)


def upgrade():
    op.create_table('case_studies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('created_at', quiz.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_studies')),
    sa.UniqueConstraint('code', name=op.f('uq_case_studies_code'))
    )
    op.create_table('case_study_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_study_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('thematic', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('guide', sa.Text(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('imported_at', quiz.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_study_id'], ['case_studies.id'], name=op.f('fk_case_study_versions_case_study_id_case_studies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_study_versions')),
    sa.UniqueConstraint('case_study_id', 'number', name='uq_case_study_versions_number')
    )
    with op.batch_alter_table('case_study_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_study_versions_case_study_id'), ['case_study_id'], unique=False)

    with op.batch_alter_table('assessment_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mode', sa.String(length=10), nullable=False, server_default='deposit'))
        batch_op.add_column(sa.Column('case_study_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_assessment_sessions_case_study_id_case_studies'), 'case_studies',
                                    ['case_study_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_assessment_sessions_mode'), "mode IN ('deposit', 'online')")
    with op.batch_alter_table('assessment_sessions', schema=None) as batch_op:
        batch_op.alter_column('mode', server_default=None)

    _nullable(True)

    op.create_table('online_attempts',
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('case_study_version_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_online_attempts_attempt_id_attempts')),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_online_attempts_candidate_id_users')),
    sa.ForeignKeyConstraint(['case_study_version_id'], ['case_study_versions.id'], name=op.f('fk_online_attempts_case_study_version_id_case_study_versions')),
    sa.ForeignKeyConstraint(['session_id'], ['assessment_sessions.id'], name=op.f('fk_online_attempts_session_id_assessment_sessions')),
    sa.ForeignKeyConstraint(['submission_id'], ['assessment_submissions.id'], name=op.f('fk_online_attempts_submission_id_assessment_submissions')),
    sa.PrimaryKeyConstraint('attempt_id', name=op.f('pk_online_attempts')),
    sa.UniqueConstraint('session_id', 'candidate_id', name='uq_online_attempts_candidate'),
    sa.UniqueConstraint('submission_id', name=op.f('uq_online_attempts_submission_id'))
    )
    with op.batch_alter_table('online_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_online_attempts_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_online_attempts_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('online_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_online_attempts_session_id'))
        batch_op.drop_index(batch_op.f('ix_online_attempts_candidate_id'))
    op.drop_table('online_attempts')
    _nullable(False)
    with op.batch_alter_table('assessment_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_assessment_sessions_mode'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_assessment_sessions_case_study_id_case_studies'), type_='foreignkey')
        batch_op.drop_column('case_study_id')
        batch_op.drop_column('mode')
    with op.batch_alter_table('case_study_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_study_versions_case_study_id'))
    op.drop_table('case_study_versions')
    op.drop_table('case_studies')
