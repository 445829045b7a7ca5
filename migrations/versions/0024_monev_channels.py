"""Monev per channel: reports an instansi received on one day through each channel other than the
website (the website's count is the day's total less these), filled from the complaints already there

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('monev_channels',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_monev_channels_instansi_id_instansi')),
    sa.PrimaryKeyConstraint('day', 'instansi_id', 'channel', name=op.f('pk_monev_channels'))
    )
    op.create_index('ix_monev_channels_instansi_day', 'monev_channels', ['instansi_id', 'day'], unique=False)
    # Imported history (channel "import") and anything else already filed: counted as the rollup would.
    op.execute("INSERT INTO monev_channels (day, instansi_id, channel, received) "
               "SELECT received_on, instansi_id, channel, COUNT(*) FROM complaints "
               "WHERE instansi_id IS NOT NULL AND received_on IS NOT NULL AND channel <> 'web' "
               "GROUP BY received_on, instansi_id, channel")


def downgrade() -> None:
    op.drop_index('ix_monev_channels_instansi_day', table_name='monev_channels')
    op.drop_table('monev_channels')
