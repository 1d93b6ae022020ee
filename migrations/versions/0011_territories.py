"""a territory's public-holiday subdivision (overseas territories: Réunion 974, Martinique 972…)

Revision ID: 0011_territories
Revises: 0007_territory_settings
Create Date: 2026-12-03 04:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_territories'
down_revision = '0007_territory_settings'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('territories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subdivision', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('territories', schema=None) as batch_op:
        batch_op.drop_column('subdivision')
