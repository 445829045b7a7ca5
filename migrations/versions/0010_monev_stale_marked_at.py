"""monev: a stale mark (left by a transfer) carries the moment it was made, so a refresh that ran while
the transfer's transaction was still open cannot consume the mark before it sees the transfer

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('monev_stale', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marked_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('monev_stale', schema=None) as batch_op:
        batch_op.drop_column('marked_at')
