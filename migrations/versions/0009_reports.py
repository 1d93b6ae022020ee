"""Reports: the GPs' end-of-garde counts, and files attached to outbox e-mails (the monthly report's PDF).

Revision ID: 0009_reports
Revises: 0008_sas
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_reports"
down_revision = "0008_sas"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "garde_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("gp_id", sa.Integer(), nullable=False),
        sa.Column("patients_seen", sa.Integer(), nullable=False),
        sa.Column("sent_by_15", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("patients_seen BETWEEN 0 AND 500", name=op.f("ck_garde_counts_patients_seen_valid")),
        sa.CheckConstraint(
            "sent_by_15 >= 0 AND sent_by_15 <= patients_seen", name=op.f("ck_garde_counts_sent_by_15_valid")
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["users.id"], name=op.f("fk_garde_counts_entered_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["gp_id"], ["gps.id"], name=op.f("fk_garde_counts_gp_id_gps"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_garde_counts_shift_id_shifts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_garde_counts")),
        sa.UniqueConstraint("shift_id", "gp_id", name=op.f("uq_garde_counts_shift_id_gp_id")),
    )
    op.create_table(
        "outbox_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("content_type LIKE '%/%'", name=op.f("ck_outbox_attachments_content_type_valid")),
        sa.ForeignKeyConstraint(
            ["email_id"],
            ["outbox_emails.id"],
            name=op.f("fk_outbox_attachments_email_id_outbox_emails"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_attachments")),
    )
    with op.batch_alter_table("outbox_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_attachments_email_id"), ["email_id"], unique=False)


def downgrade():
    op.drop_table("outbox_attachments")
    op.drop_table("garde_counts")
