"""ledger statuses: each candidate's status as the jury grid shows it, cached from the ledger

Revision ID: d21a5f0c7e3b
Revises: e3b7c2a9f415
Create Date: 2026-12-04 20:45:00

"""
import sqlalchemy as sa
from alembic import op

import quiz.timeutil

revision = 'd21a5f0c7e3b'
down_revision = 'e3b7c2a9f415'
branch_labels = None
depends_on = None


def upgrade():
    # Empty at first: the first read of the grid computes every status (or `quiz ledger rebuild-status`).
    op.create_table('ledger_statuses',
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('last_entry_id', sa.Integer(), nullable=False),
    sa.Column('entry_count', sa.Integer(), nullable=False),
    sa.Column('referential', sa.String(length=16), nullable=False),
    sa.Column('title_validated', sa.Boolean(), nullable=False),
    sa.Column('blocs_validated', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('computed_at', quiz.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_ledger_statuses_candidate_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('candidate_id', name=op.f('pk_ledger_statuses'))
    )


def downgrade():
    op.drop_table('ledger_statuses')
