"""Exchange with other QDA programs through REFI-QDA (QDA-XML 1.0): ``.qdpx`` projects and
``.qdc`` codebooks.

Coders review where they are at home (NVivo, ATLAS.ti, MAXQDA, QualCoder): export a run,
code it there, import their codings back as decisions (``source="qdpx"``) for evaluation
and learning.

How qualflow's records map to REFI-QDA:

==========================  =====================================================================
qualflow                    REFI-QDA (``project.qde`` in the ``.qdpx`` zip)
==========================  =====================================================================
transcript                  ``TextSource`` with ``plainTextPath="internal://<guid>.txt"``; the
                            file ``sources/<guid>.txt`` is ``transcripts.text`` in UTF-8
excerpt / hand-coded span   ``PlainTextSelection`` (``startPosition``/``endPosition``: code points)
coder's current codes       one selection per coder and unit, one ``Coding`` + ``CodeRef`` per code,
                            ``creatingUser`` = the coder
open suggestion             a selection by the user ``qualflow`` with one ``Coding``; confidence,
                            rank and reason in its ``Description``
code (codebook, emergent,   ``Code`` in ``CodeBook/Codes``: ``name`` = code name, ``Description``,
imported)                   ``color="#rrggbb"``, nested under its parent, ``isCodable="true"``
user with a decision/memo   ``User`` (plus ``qualflow`` for the machine)
memo                        ``Note`` with ``PlainTextContent``; ``NoteRef`` from the author's
                            selection of the excerpt, or from the source
interview metadata          ``Case`` per transcript with ``VariableValue``/``TextValue`` for city,
                            country, role, language, date and manifest columns; ``Variable``\\ s
                            (``typeOfVariable="Text"``) declared once; ``SourceRef`` to the source
==========================  =====================================================================

GUIDs are ``uuid5`` of a fixed namespace and the object's key (``qdaxml.guid``), so exports
are repeatable and an import recognises what qualflow exported. Positions: REFI-QDA counts
characters of the plain-text source; qualflow's offsets are code points into the same text,
so they are written unchanged (see ``importer`` for sources whose text differs in line ends
or normalisation). The rules for placing imported selections on excerpts, attributing them
to coders and treating unknown codes are in ``importer``'s docstring.

The REFI-QDA schema is not shipped (its licence is unclear); ``validate_project`` checks a
document against a copy you have.
"""

from importlib import import_module

# Loaded on first use: importing the package (as the ``export`` and ``import`` commands do) must
# not pull in lxml and SQLAlchemy before a name that needs them is used.
_PUBLIC = {
    "ExportReport": "export",
    "export_qdpx": "export",
    "ImportReport": "import_report",
    "import_qdpx": "importer",
    "read_project": "project",
    "validate_project": "qdaxml",
    "export_qdc": "qdc",
    "import_qdc": "qdc",
    "parse_qdc": "qdc",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(import_module(f"pipeline.exchange.{_PUBLIC[name]}"), name)
    raise AttributeError(f"module 'pipeline.exchange' has no attribute {name!r}")


def _load_gold_qdpx(path, transcripts):
    from pipeline.exchange.gold import load_gold_qdpx

    return load_gold_qdpx(path, transcripts)


def _register_gold_loader() -> None:
    """``qualflow eval`` reads a .qdpx as gold through this (``pipeline.quality.gold.load_gold``)."""
    try:
        from pipeline.quality.gold import register_gold_loader
    except ImportError:  # an installation without the quality stage
        return
    register_gold_loader(".qdpx")(_load_gold_qdpx)


_register_gold_loader()
