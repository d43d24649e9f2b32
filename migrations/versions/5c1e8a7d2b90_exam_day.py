"""exam day: late answers and their decisions, scheduled tasks, exact extra time, review options

Revision ID: 5c1e8a7d2b90
Revises: 5c3e9a1d7b20
Create Date: 2026-12-04 02:10:00

"""
import json

import sqlalchemy as sa
from alembic import op

import quiz.timeutil

revision = '5c1e8a7d2b90'
down_revision = '5c3e9a1d7b20'
branch_labels = None
depends_on = None

SCORE_ONLY = {"score": "immediately", "correctness": "never", "key": "never", "explanation": "never"}
AFTER_CLOSE = {"score": "immediately", "correctness": "after_close", "key": "after_close",
               "explanation": "after_close"}


def upgrade():
    op.create_table('late_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', quiz.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('score', sa.Numeric(precision=8, scale=4), nullable=True),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_late_decisions_attempt_id_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_late_decisions_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_late_decisions'))
    )
    with op.batch_alter_table('late_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_late_decisions_attempt_id'), ['attempt_id'], unique=False)

    op.create_table('late_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.Column('device_at', quiz.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('received_at', quiz.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_late_answers_attempt_id_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decision_id'], ['late_decisions.id'], name=op.f('fk_late_answers_decision_id_late_decisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_late_answers'))
    )
    with op.batch_alter_table('late_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_late_answers_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_late_answers_decision_id'), ['decision_id'], unique=False)

    op.create_table('scheduled_tasks',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('next_run_at', quiz.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('holder', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduled_tasks'))
    )

    # Extra time as an exact fraction: a stored 33 % was a tiers-temps (1/3), 67 % two thirds.
    with op.batch_alter_table('accommodations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extra_time_num', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('extra_time_den', sa.Integer(), nullable=False, server_default='1'))
    op.execute("UPDATE accommodations SET extra_time_num = 1, extra_time_den = 3 WHERE extra_time_percent = 33")
    op.execute("UPDATE accommodations SET extra_time_num = 2, extra_time_den = 3 "
               "WHERE extra_time_percent IN (66, 67)")
    op.execute("UPDATE accommodations SET extra_time_num = extra_time_percent, extra_time_den = 100 "
               "WHERE extra_time_percent NOT IN (33, 66, 67)")
    with op.batch_alter_table('accommodations', schema=None) as batch_op:
        batch_op.alter_column('extra_time_num', server_default=None)
        batch_op.alter_column('extra_time_den', server_default=None)
        batch_op.drop_column('extra_time_percent')

    with op.batch_alter_table('questionnaires', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_options', sa.JSON(), nullable=True))
    questionnaires = sa.table('questionnaires', sa.column('id', sa.Integer), sa.column('review_policy', sa.String),
                              sa.column('review_options', sa.JSON))
    connection = op.get_bind()
    for row in connection.execute(sa.select(questionnaires.c.id, questionnaires.c.review_policy)).all():
        options = AFTER_CLOSE if row.review_policy == "review_after_close" else SCORE_ONLY
        connection.execute(questionnaires.update().where(questionnaires.c.id == row.id)
                           .values(review_options=options))
    with op.batch_alter_table('questionnaires', schema=None) as batch_op:
        batch_op.alter_column('review_options', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('review_policy')


def downgrade():
    with op.batch_alter_table('questionnaires', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_policy', sa.String(length=30), nullable=False,
                                      server_default='score'))
    questionnaires = sa.table('questionnaires', sa.column('id', sa.Integer), sa.column('review_policy', sa.String),
                              sa.column('review_options', sa.JSON))
    connection = op.get_bind()
    for row in connection.execute(sa.select(questionnaires.c.id, questionnaires.c.review_options)).all():
        options = row.review_options if isinstance(row.review_options, dict) else json.loads(row.review_options)
        policy = "review_after_close" if options.get("key") != "never" else "score"
        connection.execute(questionnaires.update().where(questionnaires.c.id == row.id).values(review_policy=policy))
    with op.batch_alter_table('questionnaires', schema=None) as batch_op:
        batch_op.drop_column('review_options')

    with op.batch_alter_table('accommodations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extra_time_percent', sa.Integer(), nullable=False, server_default='0'))
    op.execute("UPDATE accommodations SET extra_time_percent = (extra_time_num * 100 + extra_time_den - 1) "
               "/ extra_time_den")
    with op.batch_alter_table('accommodations', schema=None) as batch_op:
        batch_op.drop_column('extra_time_den')
        batch_op.drop_column('extra_time_num')

    op.drop_table('scheduled_tasks')
    with op.batch_alter_table('late_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_late_answers_decision_id'))
        batch_op.drop_index(batch_op.f('ix_late_answers_attempt_id'))
    op.drop_table('late_answers')
    with op.batch_alter_table('late_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_late_decisions_attempt_id'))
    op.drop_table('late_decisions')
