"""A regional variant's version records the national version it was forked from

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_definitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('national_base_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_process_definitions_national_base_id_process_definitions'),
                                    'process_definitions', ['national_base_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('process_definitions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_process_definitions_national_base_id_process_definitions'),
                                 type_='foreignkey')
        batch_op.drop_column('national_base_id')
