"""The outbox of e-mail and gateway messages; the reporter's language; officers' e-mail and opt-in

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient', sa.String(length=300), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_outbox_complaint_id_complaints')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    op.create_index('ix_outbox_due', 'outbox', ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_outbox_complaint_id'), 'outbox', ['complaint_id'], unique=False)
    with op.batch_alter_table('reporter_contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), nullable=False, server_default='id'))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('email_notifications', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_notifications')
        batch_op.drop_column('email')
    with op.batch_alter_table('reporter_contacts', schema=None) as batch_op:
        batch_op.drop_column('language')
    op.drop_index(op.f('ix_outbox_complaint_id'), table_name='outbox')
    op.drop_index('ix_outbox_due', table_name='outbox')
    op.drop_table('outbox')
