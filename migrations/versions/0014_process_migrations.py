"""Running complaints moved between process versions, with the state before each move (to revert)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('process_migrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('from_definition_id', sa.Integer(), nullable=False),
    sa.Column('to_definition_id', sa.Integer(), nullable=False),
    sa.Column('old_state', sa.Text(), nullable=False),
    sa.Column('new_lock_version', sa.Integer(), nullable=False),
    sa.Column('migrated_by_id', sa.Integer(), nullable=False),
    sa.Column('migrated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reverted_by_id', sa.Integer(), nullable=True),
    sa.Column('reverted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], name=op.f('fk_process_migrations_instance_id_process_instances')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_process_migrations_complaint_id_complaints')),
    sa.ForeignKeyConstraint(['from_definition_id'], ['process_definitions.id'], name=op.f('fk_process_migrations_from_definition_id_process_definitions')),
    sa.ForeignKeyConstraint(['to_definition_id'], ['process_definitions.id'], name=op.f('fk_process_migrations_to_definition_id_process_definitions')),
    sa.ForeignKeyConstraint(['migrated_by_id'], ['users.id'], name=op.f('fk_process_migrations_migrated_by_id_users')),
    sa.ForeignKeyConstraint(['reverted_by_id'], ['users.id'], name=op.f('fk_process_migrations_reverted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_migrations'))
    )
    op.create_index(op.f('ix_process_migrations_instance_id'), 'process_migrations', ['instance_id'], unique=False)
    op.create_index(op.f('ix_process_migrations_to_definition_id'), 'process_migrations', ['to_definition_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_process_migrations_to_definition_id'), table_name='process_migrations')
    op.drop_index(op.f('ix_process_migrations_instance_id'), table_name='process_migrations')
    op.drop_table('process_migrations')
