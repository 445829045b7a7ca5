"""Monev per channel counts the reports still waiting for triage: the reports a region received on one day
that have no instansi yet, per channel (the website's included), and a partial index on the complaints
without an instansi to rebuild them by region and day; filled from the complaints already there

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

UNROUTED = sa.text("instansi_id IS NULL")


def upgrade() -> None:
    op.create_table('monev_unrouted',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_monev_unrouted_region_id_regions')),
    sa.PrimaryKeyConstraint('day', 'region_id', 'channel', name=op.f('pk_monev_unrouted'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index('ix_complaints_unrouted', ['region_id', 'received_on'], unique=False,
                              postgresql_where=UNROUTED, sqlite_where=UNROUTED)
    op.execute("INSERT INTO monev_unrouted (day, region_id, channel, received) "
               "SELECT received_on, region_id, channel, COUNT(*) FROM complaints "
               "WHERE instansi_id IS NULL AND received_on IS NOT NULL "
               "GROUP BY received_on, region_id, channel")


def downgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_unrouted', postgresql_where=UNROUTED, sqlite_where=UNROUTED)
    op.drop_table('monev_unrouted')
