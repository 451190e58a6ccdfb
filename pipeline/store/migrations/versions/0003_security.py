"""Security review: indexes for the per-address sign-in limit and for purging old failed
sign-ins; ``users.must_change_password`` for password resets.

Revision ID: 0003_security
Revises: 0002
Create Date: 2026-12-04 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_security'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_ip', ['ip', 'at'], unique=False)
        batch_op.create_index('ix_login_failures_at', ['at'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_at')
        batch_op.drop_index('ix_login_failures_ip')
