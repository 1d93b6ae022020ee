"""users.session_version: a password change, a reset or a deactivation ends every session

Revision ID: 0003_sessions
Revises: 0002_outbox_sms
Create Date: 2026-12-02 20:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_sessions'
down_revision = '0002_outbox_sms'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
