"""Segmentation: respondent turns → excerpts with question context and guide section."""

from pipeline.segment.excerpts import excerpt_id, segment_transcript, segmentation_key
from pipeline.segment.guide_link import GuideLinker

__all__ = ["GuideLinker", "excerpt_id", "segment_transcript", "segmentation_key"]
