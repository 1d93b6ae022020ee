"""Availability answers typed by the coordination: who entered them.

Revision ID: 0004_collection
Revises: 0003_sessions
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_collection"
down_revision = "0003_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("availability_answers") as batch_op:
        batch_op.add_column(sa.Column("entered_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_availability_answers_entered_by_id_users"), "users", ["entered_by_id"], ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("availability_answers") as batch_op:
        batch_op.drop_constraint(op.f("fk_availability_answers_entered_by_id_users"), type_="foreignkey")
        batch_op.drop_column("entered_by_id")
