"""qualflow's library: one sub-package per pipeline stage.

Nothing here imports torch, sentence-transformers or BERTopic at import time; the
stages that need them import them inside the functions that use them.
"""

__version__ = "0.1.0"
