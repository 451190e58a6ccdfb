"""Sources besides interviews: ``source_type`` (interview | survey | document) on transcripts
and excerpts, and the document ``page`` on turns and excerpts.

Revision ID: 0004_sources
Revises: 0003_security
Create Date: 2026-12-04 19:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_sources'
down_revision = '0003_security'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('transcripts', 'excerpts'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('source_type', sa.String(length=16), server_default='interview',
                                          nullable=False))
    for table in ('turns', 'excerpts'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('page', sa.Integer(), nullable=True))


def downgrade() -> None:
    for table in ('turns', 'excerpts'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('page')
    for table in ('transcripts', 'excerpts'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('source_type')
