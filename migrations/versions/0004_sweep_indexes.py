"""indexes the SLA benchmark asked for: (due_at, id) for claiming among many equal due times,
and human_tasks.source_task_id for ending escalations

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_index('ix_deadlines_pending_due', postgresql_where=PENDING, sqlite_where=PENDING)
        batch_op.create_index('ix_deadlines_pending_due', ['due_at', 'id'], unique=False,
                              postgresql_where=PENDING, sqlite_where=PENDING)
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_human_tasks_source_task_id'), ['source_task_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_human_tasks_source_task_id'))
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_index('ix_deadlines_pending_due', postgresql_where=PENDING, sqlite_where=PENDING)
        batch_op.create_index('ix_deadlines_pending_due', ['due_at'], unique=False,
                              postgresql_where=PENDING, sqlite_where=PENDING)
