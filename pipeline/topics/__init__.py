"""Topic modelling: BERTopic over the excerpt embeddings."""

from pipeline.topics.model import TopicResult, fit_topics, save_topic_model

__all__ = ["TopicResult", "fit_topics", "save_topic_model"]
