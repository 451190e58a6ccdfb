"""``topics.new_in_run``: a topic the ``merged`` policy found in a run's new excerpts.

Revision ID: 0006_topic_new_in_run
Revises: 0005_studies
Create Date: 2026-12-04 19:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_topic_new_in_run'
down_revision = '0005_studies'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('new_in_run', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.drop_column('new_in_run')
