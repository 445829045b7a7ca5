"""Regional rules: a time limit takes effect from a date and records who set it; every rule change
is kept in an append-only log

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sla_limits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('effective_from', sa.Date(), nullable=False, server_default='2000-01-01'))
        batch_op.add_column(sa.Column('set_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('set_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint('uq_sla_limits_region_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_sla_limits_region_id'),
                                          ['region_id', 'step', 'tier', 'effective_from'])
        batch_op.create_foreign_key(batch_op.f('fk_sla_limits_set_by_id_users'), 'users', ['set_by_id'], ['id'])
    op.create_table('rule_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('rule', sa.String(length=80), nullable=False),
    sa.Column('old', sa.String(length=500), nullable=False),
    sa.Column('new', sa.String(length=500), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_rule_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_rule_changes_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_changes'))
    )
    op.create_index(op.f('ix_rule_changes_region_id'), 'rule_changes', ['region_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_rule_changes_region_id'), table_name='rule_changes')
    op.drop_table('rule_changes')
    with op.batch_alter_table('sla_limits', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sla_limits_set_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint('uq_sla_limits_region_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_sla_limits_region_id'), ['region_id', 'step', 'tier'])
        batch_op.drop_column('set_at')
        batch_op.drop_column('set_by_id')
        batch_op.drop_column('effective_from')
