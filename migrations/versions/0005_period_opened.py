"""a period's opening date, stored (it was read back from the audit log)

Revision ID: 0005_period_opened
Revises: 0004_collection
Create Date: 2026-12-02 21:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005_period_opened'
down_revision = '0004_collection'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('periods', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))

    # Existing periods: their first « period.open » in the audit log, else (opened before the log) their creation.
    periods = sa.table(
        'periods', sa.column('id', sa.Integer), sa.column('state', sa.String),
        sa.column('created_at', sa.DateTime(timezone=True)), sa.column('opened_at', sa.DateTime(timezone=True)),
    )
    events = sa.table(
        'audit_events', sa.column('at', sa.DateTime(timezone=True)), sa.column('action', sa.String),
        sa.column('object_type', sa.String), sa.column('object_id', sa.String),
    )
    first_open = (
        sa.select(sa.func.min(events.c.at))
        .where(
            events.c.object_type == 'period',
            events.c.object_id == sa.cast(periods.c.id, sa.String),
            events.c.action == 'period.open',
        )
        .scalar_subquery()
    )
    opened = periods.c.state != 'draft'
    op.execute(periods.update().where(opened).values(opened_at=first_open))
    op.execute(periods.update().where(opened, periods.c.opened_at.is_(None)).values(opened_at=periods.c.created_at))


def downgrade():
    with op.batch_alter_table('periods', schema=None) as batch_op:
        batch_op.drop_column('opened_at')
