"""Imported complaints: the other system's tracking id of each complaint loaded by ``aduan import``

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('imported_complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_imported_complaints_complaint_id_complaints')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_complaints')),
    sa.UniqueConstraint('complaint_id', name=op.f('uq_imported_complaints_complaint_id')),
    sa.UniqueConstraint('external_id', name=op.f('uq_imported_complaints_external_id'))
    )


def downgrade() -> None:
    op.drop_table('imported_complaints')
