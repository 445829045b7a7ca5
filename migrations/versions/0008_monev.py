"""monitoring and evaluation (monev): milestones on complaints (when a complaint was verified,
dispatched and first followed up, how long each took in working time, whether a limit was missed,
how often it was reopened), the day it arrived, and the daily rollup per instansi the dashboards read

Complaints filed before this migration get their arrival day (in WIB) but no milestones: their counts
by status still show on the dashboards; speeds cover complaints handled from now on.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

COUNTS = ("received", "archived", "waiting", "deferred", "verified", "verified_late", "verify_timed",
          "dispatched", "followed_up", "follow_up_late", "follow_up_timed", "closed", "reopened",
          "rated_sangat_puas", "rated_puas", "rated_cukup_puas", "rated_tidak_puas")


def upgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('verify_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('verify_late', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('followed_up_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('follow_up_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('follow_up_late', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('reopened', sa.Integer(), nullable=False, server_default='0'))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE complaints SET received_on = (created_at AT TIME ZONE 'Asia/Jakarta')::date")
    else:
        op.execute("UPDATE complaints SET received_on = date(created_at, '+7 hours')")
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.alter_column('received_on', existing_type=sa.Date(), nullable=False)
        batch_op.create_index('ix_complaints_instansi_received', ['instansi_id', 'received_on'], unique=False)
        batch_op.create_index('ix_complaints_updated_at', ['updated_at'], unique=False)

    op.create_table(
        'monev_daily',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('instansi_id', sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False, server_default='0') for name in COUNTS],
        sa.Column('verify_seconds', sa.BigInteger(), nullable=False, server_default='0'),
        sa.Column('follow_up_seconds', sa.BigInteger(), nullable=False, server_default='0'),
        sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_monev_daily_instansi_id_instansi')),
        sa.PrimaryKeyConstraint('day', 'instansi_id', name=op.f('pk_monev_daily')),
    )
    op.create_table(
        'monev_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('watermark', sa.DateTime(timezone=True), nullable=True),
        sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monev_state')),
    )
    op.execute("INSERT INTO monev_state (id) VALUES (1)")
    op.create_table(
        'monev_stale',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('instansi_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_monev_stale_instansi_id_instansi')),
        sa.PrimaryKeyConstraint('day', 'instansi_id', name=op.f('pk_monev_stale')),
    )


def downgrade() -> None:
    op.drop_table('monev_stale')
    op.drop_table('monev_state')
    op.drop_table('monev_daily')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_updated_at')
        batch_op.drop_index('ix_complaints_instansi_received')
        for name in ('reopened', 'follow_up_late', 'follow_up_seconds', 'followed_up_at', 'dispatched_at',
                     'verify_late', 'verify_seconds', 'verified_at', 'received_on'):
            batch_op.drop_column(name)
