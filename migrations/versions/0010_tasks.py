"""solves delivered by the task engine: attempts, the worker holding a request, its heartbeat, its publication

Revision ID: 0010_tasks
Revises: 0009_reports
Create Date: 2026-12-03 04:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_tasks'
down_revision = '0009_reports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('solve_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('worker', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('solve_requests', schema=None) as batch_op:
        batch_op.drop_column('enqueued_at')
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('worker')
        batch_op.drop_column('attempt')
