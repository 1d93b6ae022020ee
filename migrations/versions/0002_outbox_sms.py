"""outbox claims, given-up messages, the SMS outbox and GP.sms_opt_in

Revision ID: 0002_outbox_sms
Revises: 0001
Create Date: 2026-12-02 20:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_outbox_sms'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=120), nullable=True))

    # Sent invitations and resets kept their single-use links in clear: no replayable copy stays.
    op.execute(
        "UPDATE outbox_emails SET body_text = '[contenu effacé après envoi : il contenait un lien secret]',"
        " body_html = NULL WHERE sent_at IS NOT NULL AND kind IN ('invitation', 'password_reset')"
    )

    op.create_table('outbox_sms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('to_phone', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('provider_id', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('send_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.CheckConstraint('length(body) <= 480', name=op.f('ck_outbox_sms_body_length')),
    sa.CheckConstraint("to_phone LIKE '+%'", name=op.f('ck_outbox_sms_to_phone_e164')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_sms'))
    )
    with op.batch_alter_table('outbox_sms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_sms_send_after'), ['send_after'], unique=False)

    with op.batch_alter_table('gps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sms_opt_in', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('gps', schema=None) as batch_op:
        batch_op.drop_column('sms_opt_in')

    with op.batch_alter_table('outbox_sms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_sms_send_after'))

    op.drop_table('outbox_sms')
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('failed_at')
