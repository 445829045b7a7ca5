"""Routing: categories in the database, routing table rows, units that can be retired, reports that wait
for triage without an instansi

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

# The list the report form offered until now (workflows/complaints/categories.py), with its names.
CATEGORIES = [
    ("infrastruktur", "Infrastruktur", "Infrastructure"),
    ("kesehatan", "Kesehatan", "Health"),
    ("pendidikan", "Pendidikan", "Education"),
    ("kependudukan", "Kependudukan", "Civil registration"),
    ("lingkungan", "Lingkungan hidup", "Environment"),
    ("transportasi", "Transportasi", "Transport"),
    ("sosial", "Sosial", "Social affairs"),
    ("ketertiban", "Ketertiban umum", "Public order"),
    ("perizinan", "Perizinan", "Permits"),
    ("lainnya", "Lainnya", "Other"),
]


def upgrade() -> None:
    categories = op.create_table('categories',
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name_id', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_categories'))
    )
    op.bulk_insert(categories, [{"code": code, "name_id": name_id, "name_en": name_en, "active": True,
                                 "position": i} for i, (code, name_id, name_en) in enumerate(CATEGORIES)])
    op.create_table('routing_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=60), nullable=False),
    sa.Column('keywords', sa.String(length=300), nullable=False),
    sa.Column('sub_region_id', sa.Integer(), nullable=True),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_routing_rules_instansi_id_instansi')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_routing_rules_region_id_regions')),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_routing_rules_set_by_id_users')),
    sa.ForeignKeyConstraint(['sub_region_id'], ['regions.id'], name=op.f('fk_routing_rules_sub_region_id_regions')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_routing_rules_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_rules'))
    )
    op.create_index(op.f('ix_routing_rules_region_id'), 'routing_rules', ['region_id'], unique=False)
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.alter_column('instansi_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.alter_column('instansi_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('active')
    op.drop_index(op.f('ix_routing_rules_region_id'), table_name='routing_rules')
    op.drop_table('routing_rules')
    op.drop_table('categories')
