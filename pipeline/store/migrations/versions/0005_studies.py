"""Studies: a store holds several. Each existing run becomes part of a study named after
its corpus folder; the study's transcripts are those its runs coded; audit entries about a
run's suggestions, cities, themes or assignments are marked with that run's study.

Revision ID: 0005_studies
Revises: 0003_security
Create Date: 2026-12-04 19:30:00
"""
import re

from alembic import op
import sqlalchemy as sa


revision = '0005_studies'
down_revision = '0004_sources'
branch_labels = None
depends_on = None


def study_name(corpus: str | None) -> str:
    """The corpus folder's name (the last part of the path as the run recorded it)."""
    parts = [p for p in re.split(r"[\\/]+", (corpus or "").strip()) if p not in ("", ".")]
    return (parts[-1] if parts else "default")[:120]


def upgrade() -> None:
    op.create_table(
        'studies',
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('codebook_id', sa.String(length=200), nullable=True),
        sa.Column('origin', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['codebook_id'], ['codebooks.id']),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_table(
        'study_transcripts',
        sa.Column('study', sa.String(length=120), nullable=False),
        sa.Column('transcript_id', sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(['study'], ['studies.name'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['transcript_id'], ['transcripts.id']),
        sa.PrimaryKeyConstraint('study', 'transcript_id'),
    )
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('study', sa.String(length=120), nullable=True))
        # no foreign key: on SQLite that rebuilds ``runs``, and dropping the old table would
        # cascade into run_excerpts, topics, suggestions and quarantine
        batch_op.create_index(batch_op.f('ix_runs_study'), ['study'], unique=False)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('study', sa.String(length=120), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_log_study'), ['study'], unique=False)

    bind = op.get_bind()
    runs = bind.execute(sa.text("SELECT id, corpus, started_at FROM runs ORDER BY started_at, id")).all()
    first_seen: dict[str, object] = {}
    for run_id, corpus, started in runs:
        first_seen.setdefault(study_name(corpus), started)
    for name, started in first_seen.items():
        bind.execute(sa.text("INSERT INTO studies (name, created_at, origin) VALUES (:n, :t, 'run')"),
                     {"n": name, "t": started})
    for run_id, corpus, _ in runs:
        name = study_name(corpus)
        bind.execute(sa.text("UPDATE runs SET study = :n WHERE id = :r"), {"n": name, "r": run_id})
        bind.execute(sa.text(
            "INSERT INTO study_transcripts (study, transcript_id) "
            "SELECT DISTINCT :n, e.transcript_id FROM run_excerpts re JOIN excerpts e ON e.id = re.excerpt_id "
            "WHERE re.run_id = :r AND e.transcript_id NOT IN "
            "(SELECT transcript_id FROM study_transcripts WHERE study = :n)"), {"n": name, "r": run_id})
        # what the review app wrote about this run: city and theme entries name it in object_id,
        # assignments are about the run itself, decisions about one of its suggestions
        bind.execute(sa.text(
            "UPDATE audit_log SET study = :n WHERE study IS NULL AND ("
            "(object_type = 'run' AND object_id = :r) OR object_id LIKE :prefix ESCAPE '\\' OR "
            "(object_type = 'suggestion' AND object_id IN "
            "(SELECT CAST(id AS VARCHAR(20)) FROM suggestions WHERE run_id = :r)))"),
            {"n": name, "r": run_id, "prefix": run_id.replace("%", r"\%").replace("_", r"\_") + "/%"})


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_study'))
        batch_op.drop_column('study')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_runs_study'))
        batch_op.drop_column('study')
    op.drop_table('study_transcripts')
    op.drop_table('studies')
