"""award: what the decision names, frozen at approval

Revision ID: 5c2d8e41a9b3
Revises: 1f691e978b7b
Create Date: 2026-11-22 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c2d8e41a9b3'
down_revision = '1f691e978b7b'
branch_labels = None
depends_on = None


def upgrade():
    # Versions approved before this column existed keep showing the entries' current
    # names (award_rows falls back to the entry when the snapshot is empty).
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.add_column(sa.Column('snapshot', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.drop_column('snapshot')
