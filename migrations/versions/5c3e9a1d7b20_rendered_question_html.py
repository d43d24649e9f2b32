"""question versions keep their rendered HTML

Revision ID: 5c3e9a1d7b20
Revises: 612138609b45
Create Date: 2026-12-04 02:50:00

Versions published before this revision have no stored HTML: they are rendered when first read
(once per process, quiz.banks.store.rendered), as versions stored by an older renderer are.
"""
from alembic import op
import sqlalchemy as sa


revision = '5c3e9a1d7b20'
down_revision = '612138609b45'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rendered', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.drop_column('rendered')
