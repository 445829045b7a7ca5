"""The designer's working day: the process-designer right on accounts, drafts of diagrams (with a
revision for safe concurrent edits) and a note on every deployed version

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('designer', sa.String(length=10), nullable=True))
    with op.batch_alter_table('process_definitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.String(length=500), nullable=False, server_default=''))
    op.create_table('process_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('variant', sa.String(length=32), nullable=False),
    sa.Column('based_on_id', sa.Integer(), nullable=True),
    sa.Column('bpmn_xml', sa.Text(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deployed_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['based_on_id'], ['process_definitions.id'], name=op.f('fk_process_drafts_based_on_id_process_definitions')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_process_drafts_created_by_id_users')),
    sa.ForeignKeyConstraint(['deployed_id'], ['process_definitions.id'], name=op.f('fk_process_drafts_deployed_id_process_definitions')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_process_drafts_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_drafts'))
    )


def downgrade() -> None:
    op.drop_table('process_drafts')
    with op.batch_alter_table('process_definitions', schema=None) as batch_op:
        batch_op.drop_column('note')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('designer')
