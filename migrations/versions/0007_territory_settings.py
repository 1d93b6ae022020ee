"""a territory's settings: FINESS (the SAS platform), the ARS's address and the funded hours (reports)

Revision ID: 0007_territory_settings
Revises: 0006_after_publication
Create Date: 2026-12-03 04:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007_territory_settings'
down_revision = '0006_after_publication'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('territories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('finess', sa.String(length=9), nullable=True))
        batch_op.add_column(sa.Column('ars_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('funded_hours_month', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('territories', schema=None) as batch_op:
        batch_op.drop_column('funded_hours_month')
        batch_op.drop_column('ars_email')
        batch_op.drop_column('finess')
