"""calculated questions: each attempt item keeps the instance (variables' values) it was drawn with

Revision ID: d19ca1c0a7e5
Revises: 5c1e8a7d2b90
Create Date: 2026-12-04 20:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'd19ca1c0a7e5'
down_revision = '5c1e8a7d2b90'
branch_labels = None
depends_on = None


def upgrade():
    # A nullable column is added in place on both engines (no table rebuild: the append-only
    # triggers of attempt_items stay as they are).
    op.add_column('attempt_items', sa.Column('instance', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('attempt_items', 'instance')  # SQLite 3.35+ drops a column in place too
