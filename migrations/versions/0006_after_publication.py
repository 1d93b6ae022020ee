"""Life after publication: offers and swaps of gardes, absences, the 'replacement' version source.

The swap_requests table of the first schema was never written to: it is recreated with its new columns.

Revision ID: 0006_after_publication
Revises: 0005_period_opened
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_after_publication"
down_revision = "0005_period_opened"
branch_labels = None
depends_on = None

SOURCES_OLD = "source IN ('solver', 'manual', 'amendment', 'swap', 'demo')"
SOURCES_NEW = "source IN ('solver', 'manual', 'amendment', 'swap', 'replacement', 'demo')"


def upgrade():
    op.drop_table("swap_requests")
    op.create_table(
        "swap_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("from_gp_id", sa.Integer(), nullable=False),
        sa.Column("to_gp_id", sa.Integer(), nullable=True),
        sa.Column("counter_shift_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('offer', 'swap')", name=op.f("ck_swap_requests_kind_known")),
        sa.CheckConstraint(
            "state IN ('open', 'taken', 'approved', 'refused', 'declined', 'cancelled', 'expired')",
            name=op.f("ck_swap_requests_state_known"),
        ),
        sa.CheckConstraint("to_gp_id IS NULL OR to_gp_id <> from_gp_id", name=op.f("ck_swap_requests_not_to_self")),
        sa.CheckConstraint(
            "(kind = 'swap') = (counter_shift_id IS NOT NULL AND to_gp_id IS NOT NULL)",
            name=op.f("ck_swap_requests_swap_has_partner"),
        ),
        sa.CheckConstraint(
            "state IN ('open', 'cancelled', 'expired') OR to_gp_id IS NOT NULL",
            name=op.f("ck_swap_requests_taken_has_gp"),
        ),
        sa.ForeignKeyConstraint(
            ["counter_shift_id"],
            ["shifts.id"],
            name=op.f("fk_swap_requests_counter_shift_id_shifts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_swap_requests_created_by_id_users")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_swap_requests_decided_by_id_users")),
        sa.ForeignKeyConstraint(["from_gp_id"], ["gps.id"], name=op.f("fk_swap_requests_from_gp_id_gps")),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_swap_requests_shift_id_shifts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["to_gp_id"], ["gps.id"], name=op.f("fk_swap_requests_to_gp_id_gps")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["roster_versions.id"],
            name=op.f("fk_swap_requests_version_id_roster_versions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_swap_requests")),
    )
    with op.batch_alter_table("swap_requests", schema=None) as batch_op:
        batch_op.create_index(
            "uq_swap_requests_live",
            ["shift_id", "from_gp_id"],
            unique=True,
            sqlite_where=sa.text("state IN ('open', 'taken')"),
            postgresql_where=sa.text("state IN ('open', 'taken')"),
        )
    op.create_table(
        "absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gp_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_absences_end_after_start")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_absences_created_by_id_users")),
        sa.ForeignKeyConstraint(["gp_id"], ["gps.id"], name=op.f("fk_absences_gp_id_gps"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absences")),
    )
    with op.batch_alter_table("absences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_absences_gp_id"), ["gp_id"], unique=False)
    with op.batch_alter_table("roster_versions", schema=None) as batch_op:
        batch_op.drop_constraint("source_known", type_="check")
        batch_op.create_check_constraint("source_known", SOURCES_NEW)


def downgrade():
    with op.batch_alter_table("roster_versions", schema=None) as batch_op:
        batch_op.drop_constraint("source_known", type_="check")
        batch_op.create_check_constraint("source_known", SOURCES_OLD)
    op.drop_table("absences")
    op.drop_table("swap_requests")
    op.create_table(
        "swap_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("from_gp_id", sa.Integer(), nullable=False),
        sa.Column("to_gp_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'taken', 'approved', 'refused', 'cancelled')", name=op.f("ck_swap_requests_state_known")
        ),
        sa.CheckConstraint("to_gp_id IS NULL OR to_gp_id <> from_gp_id", name=op.f("ck_swap_requests_not_to_self")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_swap_requests_decided_by_id_users")),
        sa.ForeignKeyConstraint(["from_gp_id"], ["gps.id"], name=op.f("fk_swap_requests_from_gp_id_gps")),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_swap_requests_shift_id_shifts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["to_gp_id"], ["gps.id"], name=op.f("fk_swap_requests_to_gp_id_gps")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_swap_requests")),
    )
