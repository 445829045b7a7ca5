"""Replays kept: what-if runs of a candidate process or changed rules over past complaints

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table('replay_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('variant', sa.String(length=32), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=True),
    sa.Column('definition_id', sa.Integer(), nullable=True),
    sa.Column('candidate', JSON, nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=True),
    sa.Column('instansi_id', sa.Integer(), nullable=True),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seconds', sa.Double(), nullable=True),
    sa.Column('report', JSON, nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_replay_runs_created_by_id_users')),
    sa.ForeignKeyConstraint(['draft_id'], ['process_drafts.id'], name=op.f('fk_replay_runs_draft_id_process_drafts')),
    sa.ForeignKeyConstraint(['definition_id'], ['process_definitions.id'],
                            name=op.f('fk_replay_runs_definition_id_process_definitions')),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_replay_runs_instansi_id_instansi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replay_runs'))
    )
    op.create_index('ix_replay_runs_state', 'replay_runs', ['state', 'created_at'], unique=False)
    op.create_index('ix_replay_runs_draft', 'replay_runs', ['draft_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_replay_runs_draft', table_name='replay_runs')
    op.drop_index('ix_replay_runs_state', table_name='replay_runs')
    op.drop_table('replay_runs')
