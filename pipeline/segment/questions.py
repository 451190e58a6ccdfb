"""Which interviewer turn is the question an excerpt answers.

An excerpt is shown with, and coded using, the interviewer's **last real question** before
it. Interviewers keep the talk going with backchannels ("mh mh", "sì", "okay", "igen",
"ναι", "ja") and two-word prompts ("e poi?", "and then?"); those say nothing about what the
answer is about, and taking them as the question hides the question that was asked. So a
real question is an interviewer turn of at least ``MIN_WORDS`` words that is not made of
backchannel tokens only.

Words are Unicode word characters (``\\w+``, so Greek and accented letters count), compared
in lower case.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.records import Turn

MIN_WORDS = 3
"""A turn of fewer words is a prompt or a backchannel, not a question."""

BACKCHANNEL = frozenset("""
    mh mhm mmh mm mmm hm hmm hmhm uh uhm um umm eh ehm em ah aha ahah oh ooh
    ok okay okey oké okè alright right yes yeah yep yup sure fine good great cool wow really exactly
    indeed true i see thanks thank you no
    sì si certo vero ecco già bene beh esatto perfetto capito giusto chiaro appunto davvero infatti
    grazie va ah allora
    igen ja jó jól értem persze hát nem úgy van pontosan aha rendben köszönöm
    ναι μάλιστα εντάξει σωστά α αχα ωραία καλά όχι βέβαια ακριβώς ευχαριστώ
    jaja jawel nee precies klopt inderdaad goed mooi hè juist tuurlijk natuurlijk zeker dank
""".split())
"""Tokens that alone make a backchannel (en, it, hu, el, nl); ``MIN_WORDS`` still applies to
anything else, so a turn of these plus one content word is not a question unless it has three
words, and one with three or more words of which one is not listed is."""

_WORD = re.compile(r"\w+", re.UNICODE)


def is_real_question(text: str | None) -> bool:
    """An interviewer turn that can serve as an excerpt's question: at least ``MIN_WORDS``
    words, not all of them backchannel tokens."""
    if not text:
        return False
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < MIN_WORDS:
        return False
    return not all(w in BACKCHANNEL for w in words)


def questions_by_turn(turns: Sequence[Turn]) -> list[str | None]:
    """For each turn, the last real interviewer question at or before it (``None`` before the first)."""
    out: list[str | None] = []
    last: str | None = None
    for turn in turns:
        if turn.role == "interviewer" and is_real_question(turn.text):
            last = turn.text
        out.append(last)
    return out


def question_before(turns: Sequence[Turn], position: int) -> str | None:
    """The last real interviewer question that ends at or before ``position`` (a code-point offset)."""
    last: str | None = None
    for turn in turns:
        if turn.start > position:
            break
        if turn.role == "interviewer" and turn.end <= position and is_real_question(turn.text):
            last = turn.text
    return last


__all__ = ["BACKCHANNEL", "MIN_WORDS", "is_real_question", "question_before", "questions_by_turn"]
