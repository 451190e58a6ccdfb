"""The codebook stage: reading, checking and storing the codes that excerpts are coded with.

``load_codebook`` reads the hand-written YAML layout (codes with descriptions, include and
exclude notes, colours and example phrases per language, plus background phrases that
belong to no code) and imports tag CSVs exported by other tools. Every problem a user can
fix is an ``InvalidCodebook`` naming the file, the code and the field.
"""

from pipeline.codebook.languages import ISO_639_1
from pipeline.codebook.load import DEFAULT_CODEBOOK, default_codebook_path, load_codebook
from pipeline.codebook.stored import codebook_from_dict, codebook_to_dict

__all__ = [
    "DEFAULT_CODEBOOK",
    "ISO_639_1",
    "codebook_from_dict",
    "codebook_to_dict",
    "default_codebook_path",
    "load_codebook",
]
