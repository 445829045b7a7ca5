"""Rencana aksi: yearly action plans of regions and instansi, their targets and activities

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('action_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_action_plans_created_by_id_users')),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_action_plans_instansi_id_instansi')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_action_plans_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_plans')),
    sa.UniqueConstraint('year', 'region_id', 'instansi_id', name=op.f('uq_action_plans_year'))
    )
    op.create_table('plan_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=40), nullable=False),
    sa.Column('target', sa.Double(), nullable=False),
    sa.Column('achieved', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['action_plans.id'], name=op.f('fk_plan_targets_plan_id_action_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_targets')),
    sa.UniqueConstraint('plan_id', 'indicator', name=op.f('uq_plan_targets_plan_id'))
    )
    op.create_index(op.f('ix_plan_targets_plan_id'), 'plan_targets', ['plan_id'], unique=False)
    op.create_table('plan_activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=300), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('due_quarter', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('evidence', sa.String(length=500), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['action_plans.id'], name=op.f('fk_plan_activities_plan_id_action_plans')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_plan_activities_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_activities'))
    )
    op.create_index(op.f('ix_plan_activities_plan_id'), 'plan_activities', ['plan_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_plan_activities_plan_id'), table_name='plan_activities')
    op.drop_table('plan_activities')
    op.drop_index(op.f('ix_plan_targets_plan_id'), table_name='plan_targets')
    op.drop_table('plan_targets')
    op.drop_table('action_plans')
