"""Integrations: API keys and their rate windows, Open311 requests, webhook subscriptions (their
deliveries are outbox rows), and the extra attributes a category asks for

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('region_ids', JSON, nullable=False),
    sa.Column('instansi_ids', JSON, nullable=False),
    sa.Column('rate_per_minute', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_api_keys_created_by_id_users')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_api_keys_revoked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    op.create_table('api_key_windows',
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_api_key_windows_api_key_id_api_keys')),
    sa.PrimaryKeyConstraint('api_key_id', 'window_start', name=op.f('pk_api_key_windows'))
    )
    op.create_table('open311_requests',
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('service_code', sa.String(length=60), nullable=False),
    sa.Column('attributes', JSON, nullable=False),
    sa.Column('account_id', sa.String(length=100), nullable=True),
    sa.Column('device_id', sa.String(length=100), nullable=True),
    sa.Column('media_url', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_open311_requests_api_key_id_api_keys')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_open311_requests_complaint_id_complaints')),
    sa.PrimaryKeyConstraint('complaint_id', name=op.f('pk_open311_requests')),
    sa.UniqueConstraint('token', name=op.f('uq_open311_requests_token'))
    )
    op.create_index(op.f('ix_open311_requests_api_key_id'), 'open311_requests', ['api_key_id'], unique=False)
    op.create_table('webhook_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('events', JSON, nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('instansi_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_webhook_subscriptions_created_by_id_users')),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_webhook_subscriptions_instansi_id_instansi')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_webhook_subscriptions_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscriptions'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subscription_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('event_id', sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_subscription_id'), ['subscription_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_event_id'), ['event_id'])
        batch_op.create_foreign_key(batch_op.f('fk_outbox_subscription_id_webhook_subscriptions'),
                                    'webhook_subscriptions', ['subscription_id'], ['id'])
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attributes', JSON, nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_column('attributes')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_subscription_id_webhook_subscriptions'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_outbox_event_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_outbox_subscription_id'))
        batch_op.drop_column('event_id')
        batch_op.drop_column('subscription_id')
    op.drop_table('webhook_subscriptions')
    op.drop_index(op.f('ix_open311_requests_api_key_id'), table_name='open311_requests')
    op.drop_table('open311_requests')
    op.drop_table('api_key_windows')
    op.drop_table('api_keys')
