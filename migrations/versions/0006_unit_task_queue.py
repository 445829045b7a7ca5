"""a liaison officer's task queue by unit: at a year's scale (1M open instances) the unclaimed
tasks of a unit were found by reading every unclaimed open task (~240 ms); this index finds them
directly (bench/generate.py, docs/PERFORMANCE.md)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_human_tasks_unit_queue', ['unit_id', 'state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_human_tasks_unit_queue')
