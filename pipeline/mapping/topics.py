"""Map discovered topics to codebook categories, or flag them as emergent themes."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from typing import Sequence

from pipeline.config import MappingConfig
from pipeline.records import Codebook, ExcerptCoding, Topic, TopicAssignment


def map_topics(
    topics: Sequence[Topic],
    assignments: Sequence[TopicAssignment],
    codings: Sequence[ExcerptCoding],
    codebook: Codebook,
    config: MappingConfig = MappingConfig(),
) -> tuple[Topic, ...]:
    """A topic maps to each top-level category suggested for at least ``topic_threshold`` of its
    excerpts; a topic that maps to none is an emergent theme for coders to name."""
    suggested = {c.excerpt_id: {s.code for s in c.suggestions} for c in codings}
    members: dict[int, list[str]] = defaultdict(list)
    for a in assignments:
        members[a.topic_id].append(a.excerpt_id)
    top_level = [c.name for c in codebook.top_level]
    mapped = []
    for topic in topics:
        ids = members.get(topic.topic_id, [])
        counts = Counter(code for i in ids for code in suggested.get(i, ()) if code in top_level)
        shares = {code: round(counts[code] / len(ids), 4) for code in top_level} if ids else {}
        codes = tuple(sorted((c for c, s in shares.items() if s >= config.topic_threshold), key=lambda c: -shares[c]))
        mapped.append(dataclasses.replace(topic, codes=codes, code_scores=shares, emergent=not codes))
    return tuple(mapped)
