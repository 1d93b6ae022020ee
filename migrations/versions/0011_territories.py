"""a territory's public-holiday subdivision (overseas territories: Réunion 974, Martinique 972…); the platform role

Revision ID: 0011_territories
Revises: 0010_tasks
Create Date: 2026-12-03 04:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_territories'
down_revision = '0010_tasks'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('territories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subdivision', sa.String(length=8), nullable=True))
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.drop_constraint('role_known', type_='check')
        batch_op.create_check_constraint('role_known', "role IN ('gp', 'coordinator', 'regulator', 'admin', 'platform')")


def downgrade():
    op.execute("DELETE FROM user_roles WHERE role = 'platform'")
    with op.batch_alter_table('user_roles', schema=None) as batch_op:
        batch_op.drop_constraint('role_known', type_='check')
        batch_op.create_check_constraint('role_known', "role IN ('gp', 'coordinator', 'regulator', 'admin')")
    with op.batch_alter_table('territories', schema=None) as batch_op:
        batch_op.drop_column('subdivision')
