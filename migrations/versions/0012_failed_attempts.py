"""Guessing is throttled per subject and address with growing delays (workflows/throttle.py): failed
logins and wrong reply codes are rows of one table, failed_attempts; the login failures move there

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('failed_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=45), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_attempts'))
    )
    with op.batch_alter_table('failed_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_failed_attempts_subject', ['kind', 'subject', 'at'], unique=False)
        batch_op.create_index('ix_failed_attempts_source', ['kind', 'source', 'at'], unique=False)
    op.execute("INSERT INTO failed_attempts (kind, subject, source, at) "
               "SELECT 'login', username, ip, at FROM login_failures")
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_ip_at')
        batch_op.drop_index('ix_login_failures_username_at')
    op.drop_table('login_failures')


def downgrade() -> None:
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_username_at', ['username', 'at'], unique=False)
        batch_op.create_index('ix_login_failures_ip_at', ['ip', 'at'], unique=False)
    op.execute("INSERT INTO login_failures (username, ip, at) "
               "SELECT subject, source, at FROM failed_attempts WHERE kind = 'login'")
    op.drop_table('failed_attempts')
