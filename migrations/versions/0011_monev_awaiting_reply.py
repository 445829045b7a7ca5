"""monev: followed-up reports still waiting for the reporter's response (diselesaikan, not closed),
counted apart from the closed ones; the next refresh rebuilds every day to fill the new column

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('monev_daily', schema=None) as batch_op:
        batch_op.add_column(sa.Column('awaiting_reply', sa.Integer(), nullable=False, server_default='0'))
    # No watermark: the next refresh (scheduler or `aduan monev refresh`) is a full rebuild.
    op.execute("UPDATE monev_state SET watermark = NULL")


def downgrade() -> None:
    with op.batch_alter_table('monev_daily', schema=None) as batch_op:
        batch_op.drop_column('awaiting_reply')
