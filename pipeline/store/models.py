"""The data model. ARCHITECTURE.md draws it; the Alembic migrations create it.

Design notes (why it looks like this):
- Transcripts, excerpts and embeddings outlive runs: a re-run reuses them, and coder
  decisions attach to excerpts (by stable id), never to a run. ``run_excerpts`` says which
  excerpts a run saw and which topic it gave them.
- Suggestions belong to a run. Their ``status`` moves from ``suggested`` to ``accepted``,
  ``rejected`` or ``recoded`` through decisions; ``version`` is the optimistic-locking column
  so two coders changing one suggestion at once cannot silently overwrite each other.
- ``decisions``, ``audit_log`` and ``signoffs`` are append-only: rows are inserted, never updated.
- Offsets are code points into ``transcripts.text`` (NFC, pseudonymised).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dict: JSON, list: JSON}


class Study(Base):
    """A body of interviews coded together (one project): its runs, transcripts and codebook.

    Runs name their study; ``study_transcripts`` says which transcripts belong to it (a
    transcript can belong to several). ``codebook_id`` is the study's own codebook when it
    came from an imported project; a run's codebook wins once the study has runs."""

    __tablename__ = "studies"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    codebook_id: Mapped[str | None] = mapped_column(String(200), ForeignKey("codebooks.id"), nullable=True)
    origin: Mapped[str] = mapped_column(String(20), default="run")  # run|qdpx


class StudyTranscript(Base):
    __tablename__ = "study_transcripts"

    study: Mapped[str] = mapped_column(String(120), ForeignKey("studies.name", ondelete="CASCADE"),
                                       primary_key=True)
    transcript_id: Mapped[str] = mapped_column(String(120), ForeignKey("transcripts.id"), primary_key=True)


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    corpus: Mapped[str] = mapped_column(Text)
    # no foreign key to studies: adding one makes SQLite rebuild ``runs``, and dropping the old
    # table would cascade into run_excerpts, topics and suggestions; ``ensure_study`` keeps it valid
    study: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|completed|failed
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    config: Mapped[dict] = mapped_column(JSON, default=dict)
    codebook_id: Mapped[str | None] = mapped_column(String(200), ForeignKey("codebooks.id"), nullable=True)
    embedder_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    output_dir: Mapped[str | None] = mapped_column(Text, nullable=True)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)


class TranscriptRow(Base):
    __tablename__ = "transcripts"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    file: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(16))
    encoding: Mapped[str | None] = mapped_column(String(32), nullable=True)
    source_sha256: Mapped[str] = mapped_column(String(64))
    text_sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    city: Mapped[str | None] = mapped_column(String(120), nullable=True)
    country: Mapped[str | None] = mapped_column(String(120), nullable=True)
    role: Mapped[str | None] = mapped_column(String(60), nullable=True)
    date: Mapped[str | None] = mapped_column(String(32), nullable=True)
    source_type: Mapped[str] = mapped_column(String(16), default="interview", server_default="interview")
    """interview | survey | document (``records.SOURCE_TYPES``)."""
    variables: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class TurnRow(Base):
    __tablename__ = "turns"

    transcript_id: Mapped[str] = mapped_column(
        String(120), ForeignKey("transcripts.id", ondelete="CASCADE"), primary_key=True
    )
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    speaker: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    lang: Mapped[str | None] = mapped_column(String(8), nullable=True)
    time_start: Mapped[float | None] = mapped_column(Float, nullable=True)
    time_end: Mapped[float | None] = mapped_column(Float, nullable=True)
    page: Mapped[int | None] = mapped_column(Integer, nullable=True)


class IngestCacheRow(Base):
    """What an incremental run needs to take a transcript from the store instead of reading
    and segmenting its file again (``pipeline.ingest.reuse``).

    ``ingest_key`` hashes everything the stored transcript was built from (the file's bytes,
    its manifest row, the languages, the readers' version); ``segment_key`` hashes the
    transcript, the segmentation config, the guide and the segmenter's version, and
    ``excerpt_ids`` lists, in order, the excerpts that segmentation gave.
    """

    __tablename__ = "ingest_cache"

    transcript_id: Mapped[str] = mapped_column(
        String(120), ForeignKey("transcripts.id", ondelete="CASCADE"), primary_key=True
    )
    ingest_key: Mapped[str] = mapped_column(String(64))
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    """The transcript's ``InterviewMeta`` as built (pseudonymised, without names)."""
    segment_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    excerpt_ids: Mapped[list | None] = mapped_column(JSON, nullable=True)


class ExcerptRow(Base):
    __tablename__ = "excerpts"

    id: Mapped[str] = mapped_column(String(160), primary_key=True)
    transcript_id: Mapped[str] = mapped_column(String(120), ForeignKey("transcripts.id"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64), index=True)
    turn_index: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    question: Mapped[str | None] = mapped_column(Text, nullable=True)
    guide_section: Mapped[str | None] = mapped_column(String(40), nullable=True)
    source_type: Mapped[str] = mapped_column(String(16), default="interview", server_default="interview")
    page: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """A document excerpt's page (1-based), for citation."""


class RunExcerpt(Base):
    """Which excerpts a run coded, the topic it gave them and every category score."""

    __tablename__ = "run_excerpts"

    run_id: Mapped[str] = mapped_column(String(64), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    excerpt_id: Mapped[str] = mapped_column(String(160), ForeignKey("excerpts.id"), primary_key=True)
    topic_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    scores: Mapped[dict] = mapped_column(JSON, default=dict)


class EmbeddingRow(Base):
    """Embedding cache keyed by (embedder id, sha256 of the exact text embedded)."""

    __tablename__ = "embeddings"

    embedder_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    text_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian


class CodebookRow(Base):
    __tablename__ = "codebooks"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # name@version
    name: Mapped[str] = mapped_column(String(120))
    version: Mapped[str] = mapped_column(String(60))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CodeRow(Base):
    __tablename__ = "codes"

    codebook_id: Mapped[str] = mapped_column(String(200), ForeignKey("codebooks.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    parent: Mapped[str | None] = mapped_column(String(200), nullable=True)
    colour: Mapped[str | None] = mapped_column(String(9), nullable=True)
    origin: Mapped[str] = mapped_column(String(20), default="codebook")  # codebook|emergent|imported


class TopicRow(Base):
    __tablename__ = "topics"

    run_id: Mapped[str] = mapped_column(String(64), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    size: Mapped[int] = mapped_column(Integer)
    representative_ids: Mapped[list] = mapped_column(JSON, default=list)
    codes: Mapped[list] = mapped_column(JSON, default=list)
    code_scores: Mapped[dict] = mapped_column(JSON, default=dict)
    emergent: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str | None] = mapped_column(Text, nullable=True)  # a coder's name for an emergent theme
    new_in_run: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Found in this run's new excerpts (the ``merged`` topic policy)."""


class SuggestionRow(Base):
    __tablename__ = "suggestions"
    __table_args__ = (
        UniqueConstraint("run_id", "excerpt_id", "code", name="uq_suggestion"),
        Index("ix_suggestions_run_status", "run_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(64), ForeignKey("runs.id", ondelete="CASCADE"))
    excerpt_id: Mapped[str] = mapped_column(String(160), ForeignKey("excerpts.id"), index=True)
    code: Mapped[str] = mapped_column(String(200))
    confidence: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    rank: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="suggested")  # suggested|accepted|rejected|recoded
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}


class QuarantineRow(Base):
    __tablename__ = "quarantine"

    run_id: Mapped[str] = mapped_column(String(64), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    file: Mapped[str] = mapped_column(Text, primary_key=True)
    reason: Mapped[str] = mapped_column(Text)


class PseudonymRow(Base):
    """The pseudonymisation key: kept apart so it can be exported, locked or deleted on its own."""

    __tablename__ = "pseudonym_key"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    original: Mapped[str] = mapped_column(Text, primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(60), index=True)  # a name part shares its full name's pseudonym
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- people and their work (review app, exchange, coding quality) ---------------------------


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # admin|coder|validator|external (imported coders)
    password_hash: Mapped[str | None] = mapped_column(Text, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Set by an admin's reset: the user may do nothing but choose a new password."""


class Decision(Base):
    """One coder decision (append-only). ``codes`` is the full code set after the decision."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_run_user", "run_id", "user_id"),)  # a coder's own decisions (undo)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("runs.id"), nullable=True)
    excerpt_id: Mapped[str] = mapped_column(String(160), ForeignKey("excerpts.id"), index=True)
    suggestion_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("suggestions.id"), nullable=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(16))  # accept|reject|recode|code|none|undo
    codes: Mapped[list] = mapped_column(JSON, default=list)
    start: Mapped[int | None] = mapped_column(Integer, nullable=True)  # a hand-coded span inside the transcript
    end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="app")  # app|qdpx|gold|reconciled (precedence)
    undoes: Mapped[int | None] = mapped_column(Integer, ForeignKey("decisions.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Memo(Base):
    __tablename__ = "memos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    excerpt_id: Mapped[str | None] = mapped_column(String(160), ForeignKey("excerpts.id"), nullable=True)
    transcript_id: Mapped[str | None] = mapped_column(String(120), ForeignKey("transcripts.id"), nullable=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Assignment(Base):
    """Excerpts assigned to a coder (double-coding assigns the same excerpts to two)."""

    __tablename__ = "assignments"

    run_id: Mapped[str] = mapped_column(String(64), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    excerpt_id: Mapped[str] = mapped_column(String(160), ForeignKey("excerpts.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), primary_key=True)


class SummaryDraft(Base):
    __tablename__ = "summary_drafts"

    run_id: Mapped[str] = mapped_column(String(64), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    city: Mapped[str] = mapped_column(String(120), primary_key=True)
    narrative: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class SignOff(Base):
    """A validator's sign-off of a city summary: exactly what was signed, and its hash (append-only)."""

    __tablename__ = "signoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(64), ForeignKey("runs.id"))
    city: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[dict] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    study: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)  # None: store-wide
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


# --- review app sign-in (migration 0002) -----------------------------------------------------


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its sha256 is stored here,
    so a copy of the database does not hand out live sessions. Revoking sets ``revoked_at``."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie token
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)


class LoginFailure(Base):
    """A failed sign-in, for rate limiting by username and address (no password is kept)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_who", "username", "ip", "at"),
                      Index("ix_login_failures_ip", "ip", "at"),  # the per-address limit
                      Index("ix_login_failures_at", "at"))  # purging old rows

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
