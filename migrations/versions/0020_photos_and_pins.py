"""Photos on answers (the step that brought them), uploads kept across a refused form, the reporter's pin,
a renewed reply code waiting to be used

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('task_name', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('by_reporter', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('reporter_contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('new_token_hash', sa.String(length=64), nullable=True))
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latitude', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Double(), nullable=True))
    op.create_table('kept_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_uploads'))
    )
    op.create_index(op.f('ix_kept_uploads_token'), 'kept_uploads', ['token'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_kept_uploads_token'), table_name='kept_uploads')
    op.drop_table('kept_uploads')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')
    with op.batch_alter_table('reporter_contacts', schema=None) as batch_op:
        batch_op.drop_column('new_token_hash')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_column('by_reporter')
        batch_op.drop_column('task_name')
