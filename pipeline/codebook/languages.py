"""The language codes a codebook may use: ISO 639-1, lower case.

The same two-letter codes as ``Turn.lang`` and ``Transcript.language``, so that example
phrases can be matched to the language of an excerpt.
"""

from __future__ import annotations

ISO_639_1: frozenset[str] = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht
    hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky
    la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny
    oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss
    st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo
    za zh zu
    """.split()
)
"""The 183 current ISO 639-1 codes."""


def language_problem(code: object) -> str | None:
    """Why ``code`` is not a usable language code, or ``None`` when it is one."""
    if not isinstance(code, str):
        # YAML 1.1 reads an unquoted `no:` (Norwegian) as the boolean false.
        return f"language codes are text; write {code!r} in quotes"
    if code in ISO_639_1:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    if base in ISO_639_1:
        return f"unknown language {code!r}: use the lower-case ISO 639-1 code {base!r}"
    return f"unknown language {code!r} (not an ISO 639-1 code such as 'it', 'hu', 'el', 'nl', 'en')"
