"""The ``Mapper`` plug-in point and its registry.

A mapper turns excerpts into ``ExcerptCoding``s: every code's confidence and the codes it
suggests. Implementations register under versioned names (``prototype.v1``,
``learned.v1``, ``detect.v1``), like embedders, so an old run's config keeps meaning what
it meant. Adding a mapper is one new module in ``pipeline/mapping/`` that decorates its
class with ``@register_mapper``: the config, the flow, ``qualflow eval`` and the contract
test (``tests/mapping/test_contract.py``) find it through ``mapper_class``.

The contract:

* ``Cls(config: MappingConfig)`` stores settings and nothing else;
* ``fit(codebook, prototype_vectors, prototypes, examples=(), vectors=None)`` returns
  ``self``; ``examples`` are ``LabelledExcerpt``s (what coders decided) with ``vectors``
  row-aligned. A mapper that cannot learn raises ``InvalidInput`` when given examples;
* ``code(excerpts, vectors)`` returns one ``ExcerptCoding`` per excerpt, in order, with a
  score in [0, 1] for every code, and suggestions ranked by confidence;
* ``scope`` is ``"batch"`` when any slice of a run can be coded alone (the flow spreads
  batches over workers) or ``"run"`` when scores depend on the whole run (standardising
  over the run, self-training on it): the flow then codes the run in one task;
* ``reads_context``: whether ``code`` reads the question and question + text vectors
  (``ExcerptVectors.question`` / ``with_question``); when false they may be empty;
* ``notes()``: sentences for ``run.json`` and the review queue about what the mapper did
  not promise (e.g. "Trust: not enough decisions yet to promise precision 80%").
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, ClassVar, Protocol, Sequence, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from pipeline.config import MappingConfig
    from pipeline.mapping.vectors import ExcerptVectors, LabelledExcerpt
    from pipeline.records import Codebook, Excerpt, ExcerptCoding


@runtime_checkable
class Mapper(Protocol):
    id: ClassVar[str]
    scope: ClassVar[str]
    reads_context: ClassVar[bool]

    def fit(self, codebook: "Codebook", prototype_vectors: "np.ndarray", prototypes: Sequence,
            examples: Sequence["LabelledExcerpt"] = (), vectors: "ExcerptVectors | None" = None) -> "Mapper":
        ...

    def code(self, excerpts: Sequence["Excerpt"], vectors: "ExcerptVectors") -> list["ExcerptCoding"]:
        ...

    def notes(self) -> list[str]:
        ...


_REGISTRY: dict[str, type] = {}
_DISCOVERED = False


def register_mapper(cls: type) -> type:
    """Class decorator: register ``cls`` under ``cls.id``."""
    name = getattr(cls, "id", None)
    if not isinstance(name, str) or not name:
        raise ValueError(f"{cls.__name__} needs a class attribute `id`")
    if name in _REGISTRY and _REGISTRY[name] is not cls:
        raise ValueError(f"mapper {name!r} is registered twice")
    if getattr(cls, "scope", None) not in ("batch", "run"):
        raise ValueError(f"mapper {name!r}: scope must be 'batch' or 'run'")
    _REGISTRY[name] = cls
    return cls


def _discover() -> None:
    """Import every module of ``pipeline.mapping`` once, so their decorators run."""
    global _DISCOVERED
    if _DISCOVERED:
        return
    import pipeline.mapping as package

    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{info.name}")
    _DISCOVERED = True


def registered_mappers() -> dict[str, type]:
    _discover()
    return dict(sorted(_REGISTRY.items()))


def mapper_class(name: str) -> type:
    """The class registered as ``name``; ``KeyError`` naming the known ones otherwise."""
    mappers = registered_mappers()
    if name not in mappers:
        raise KeyError(f"unknown mapper {name!r}; use one of {', '.join(mappers)}")
    return mappers[name]


LEARNING_DEFAULT = "detect.v2"
"""The mapper that learns from decisions when the one named does not learn."""


def learning_mapper(name: str | None) -> str:
    """``name`` when it is a registered mapper that learns, else ``LEARNING_DEFAULT``
    (``qualflow learn`` on a ``prototype.v1`` run, a simulated review). ``KeyError`` for an
    unknown name."""
    if name is None:
        return LEARNING_DEFAULT
    return name if getattr(mapper_class(name), "learns", False) else LEARNING_DEFAULT


def make_mapper(config: "MappingConfig") -> Mapper:
    """A fresh, unfitted mapper of the kind ``config.mapper`` names."""
    return mapper_class(config.mapper)(config)


__all__ = ["LEARNING_DEFAULT", "Mapper", "learning_mapper", "make_mapper", "mapper_class", "register_mapper", "registered_mappers"]
