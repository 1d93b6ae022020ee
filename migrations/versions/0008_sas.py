"""a site's créneaux offered on the SAS platform to the public and the health professionals too

Revision ID: 0008_sas
Revises: 0007_territory_settings
Create Date: 2026-12-03 05:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_sas'
down_revision = '0007_territory_settings'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sas_public', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('sas_pro', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('sas_pro')
        batch_op.drop_column('sas_public')
