"""``ingest_cache``: what lets an incremental run take unchanged transcripts and their
excerpts from the store instead of reading and segmenting them again.

Revision ID: 0007_ingest_cache
Revises: 0006_topic_new_in_run
Create Date: 2026-12-06 17:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_ingest_cache'
down_revision = '0006_topic_new_in_run'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ingest_cache',
        sa.Column('transcript_id', sa.String(length=120), nullable=False),
        sa.Column('ingest_key', sa.String(length=64), nullable=False),
        sa.Column('meta', sa.JSON(), nullable=False),
        sa.Column('segment_key', sa.String(length=64), nullable=True),
        sa.Column('excerpt_ids', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['transcript_id'], ['transcripts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('transcript_id'),
    )


def downgrade() -> None:
    op.drop_table('ingest_cache')
