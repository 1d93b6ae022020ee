"""people: one login (e-mail, password) for the accounts a person holds in several territories

Revision ID: 0012_people
Revises: 0011_territories
Create Date: 2026-12-03 07:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012_people'
down_revision = '0011_territories'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_people_email_lowercase')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('email', name=op.f('uq_people_email'))
    )
    # Each existing account becomes a person of its own, with the same number.
    op.execute('INSERT INTO people (id, email, password_hash, created_at) '
               'SELECT id, email, password_hash, created_at FROM users')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SELECT setval(pg_get_serial_sequence('people', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM people")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
    op.execute('UPDATE users SET person_id = id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('person_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_users_person_id'), ['person_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_person_id_people'), 'people', ['person_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_users_person_id_territory_id'), ['person_id', 'territory_id'])
        batch_op.drop_constraint('uq_users_email', type_='unique')
        batch_op.drop_constraint(batch_op.f('ck_users_email_lowercase'), type_='check')
        batch_op.drop_column('email')
        batch_op.drop_column('password_hash')
    with op.batch_alter_table('gps', schema=None) as batch_op:
        batch_op.drop_constraint('uq_gps_rpps', type_='unique')


def downgrade():
    # Only possible while every person has a single account (the e-mail address is unique per account again).
    with op.batch_alter_table('gps', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_gps_rpps'), ['rpps'])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('password_hash', sa.String(length=255), nullable=True))
    op.execute('UPDATE users SET email = (SELECT email FROM people WHERE people.id = users.person_id), '
               'password_hash = (SELECT password_hash FROM people WHERE people.id = users.person_id)')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_users_email'), ['email'])
        batch_op.create_check_constraint('email_lowercase', 'email = lower(email)')
        batch_op.drop_constraint('uq_users_person_id_territory_id', type_='unique')
        batch_op.drop_constraint('fk_users_person_id_people', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_person_id'))
        batch_op.drop_column('person_id')
    op.drop_table('people')
