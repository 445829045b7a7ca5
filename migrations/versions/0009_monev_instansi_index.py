"""monev: a province's or an instansi's view reads its own rollup rows by (instansi_id, day); through
the primary key (day, instansi_id) PostgreSQL's generic plan for a prepared statement read the whole
period and filtered (bench/monev_pages.py: coordinator pages 700-1,100 ms at 2M/5M complaints)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('monev_daily', schema=None) as batch_op:
        batch_op.create_index('ix_monev_daily_instansi_day', ['instansi_id', 'day'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('monev_daily', schema=None) as batch_op:
        batch_op.drop_index('ix_monev_daily_instansi_day')
