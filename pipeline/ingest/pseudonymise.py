"""Pseudonymisation: personal data out of the text before anything is stored.

Replaced, in this order, with stable pseudonyms such as ``[EMAIL-1]``:

``EMAIL``
    e-mail addresses.
``URL``
    ``http(s)://...`` and ``www....`` addresses (bare domains like ``example.org`` are left).
``PHONE``
    international (``+39 011 123 4567``, ``0036 1 234 5678``) and local
    (``06-12345678``, ``(06) 1234 5678``) numbers of 8 to 15 digits, groups separated by
    single spaces or dashes. Not replaced: ISO dates (``2019-03-12``), runs of years
    (``2018 2019``), dates and times written with dots, slashes or colons
    (``12.03.2019``, ``14:30``), amounts next to a currency (``€ 1 250 000``), and numbers
    grouped in thousands without a leading 0 or ``+`` (``20 000 000``) -- which means a
    number such as ``333 123 456`` written without its country code is missed.
``PERSON``
    the names listed for the interview: the full name (whole words, any case, any run of
    whitespace between its parts) and, for a name of several words, each capitalised part
    of three or more letters (whole word, case-sensitive, so "Rosa" but not "rosa"). A part
    gets the full name's pseudonym; a part shared by two listed people ("Maria Rossi",
    "Maria Bianchi") gets a pseudonym of its own rather than the wrong person's. A name of
    one word is matched like a full name (any case); when it is a part of exactly one
    listed full name ("Chiara" beside "Chiara Benassi") it is taken to be that person.

Matching is Unicode-aware (Greek, Hungarian accents) on NFC text. Out of scope:
inflected forms (Hungarian "Péternek", "Kovácséknál"; Greek vocative or genitive
"Γιώργο", "Παπαδόπουλου"), nicknames and misspellings, and names nobody listed. Coders
should still read what they export.

Stability: a ``PseudonymKey`` maps each (kind, original) to its pseudonym and counts per
kind, so the same original gets the same pseudonym across transcripts and runs when the
same key (saved by the store via ``entries()``) is passed in again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

KINDS = ("PERSON", "EMAIL", "PHONE", "URL")
_PSEUDONYM = re.compile(r"\[(PERSON|EMAIL|PHONE|URL)-(\d+)\]")


class PseudonymKey:
    """Original → pseudonym per kind, and the next number per kind. Updated in place."""

    def __init__(self) -> None:
        self._pseudonyms: dict[tuple[str, str], str] = {}
        self._next: dict[str, int] = {kind: 1 for kind in KINDS}

    @classmethod
    def from_entries(cls, entries: Iterable[tuple[str, str, str]]) -> PseudonymKey:
        """Rebuild a key from ``entries()``; numbering continues after the highest one."""
        key = cls()
        for kind, original, pseudonym in entries:
            if kind not in KINDS:
                raise ValueError(f"unknown pseudonym kind {kind!r}")
            key._pseudonyms[(kind, original)] = pseudonym
            match = _PSEUDONYM.fullmatch(pseudonym)
            if match and match.group(1) == kind:
                key._next[kind] = max(key._next[kind], int(match.group(2)) + 1)
        return key

    def entries(self) -> list[tuple[str, str, str]]:
        """``(kind, original, pseudonym)`` for every original seen, in the order first seen."""
        return [(kind, original, pseudonym) for (kind, original), pseudonym in self._pseudonyms.items()]

    def get(self, kind: str, original: str) -> str | None:
        return self._pseudonyms.get((kind, original))

    def pseudonym(self, kind: str, original: str, *, same_as: str | None = None) -> str:
        """The pseudonym of ``original``, made if new (``same_as``: reuse that pseudonym)."""
        found = self._pseudonyms.get((kind, original))
        if found is None:
            if same_as is None:
                same_as = f"[{kind}-{self._next[kind]}]"
                self._next[kind] += 1
            found = self._pseudonyms[(kind, original)] = same_as
        return found

    def __len__(self) -> int:
        return len(self._pseudonyms)


_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}»”’'\""
_PHONE = re.compile(
    r"(?<![\w+/.:,-])"
    r"(?:(?:\+|00)\d{1,3}[ -]?)?"  # country code
    r"(?:\(\d{1,5}\)[ -]?)?"  # (area code)
    r"\d+(?:[ -]\d+)*"
    r"(?![\w/]|[.:,]\d|-\d)"
)
_ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_YEAR = re.compile(r"(?:1[89]|20)\d\d")
_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?: \d{3})+")
_CURRENCY_BEFORE = re.compile(r"(?:[€$£]|EUR|HUF|Ft)\s?$", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(
    r"^\s?(?:[€$£]|eur|euro|huf|ft|forint|ευρώ|δρχ)(?!\w)", re.IGNORECASE
)


def _is_phone(candidate: str, before: str, after: str) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    if not 8 <= digits <= 15:
        return False
    if _ISO_DATE.fullmatch(candidate):
        return False
    groups = re.findall(r"\d+", candidate)
    if all(_YEAR.fullmatch(g) for g in groups):
        return False
    if sum(len(g) == 1 for g in groups) > 2:  # counting aloud: "1 2 3 4 5 6 7 8"
        return False
    if _THOUSANDS.fullmatch(candidate):  # "20 000 000 people"; local numbers start with 0
        return False
    return not (_CURRENCY_BEFORE.search(before) or _CURRENCY_AFTER.match(after))


def _word(text: str) -> str:
    """A whole-word pattern for ``text`` (Unicode letters and digits are word characters)."""
    parts = [re.escape(p) for p in text.split()]
    return r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)"


class Pseudonymiser:
    """Replaces personal data in the texts of one transcript, using and updating ``key``."""

    def __init__(self, key: PseudonymKey, names: Sequence[str] = ()) -> None:
        self.key = key
        self._names = self._name_patterns(names)

    def _name_patterns(self, names: Sequence[str]) -> list[tuple[re.Pattern[str], str, str]]:
        """``(pattern, original, pseudonym)``, longest first so full names win over parts."""
        full = [" ".join(unicodedata.normalize("NFC", n).split()) for n in names]
        full = list(dict.fromkeys(n for n in full if n))
        owners: dict[str, set[str]] = {}
        for name in full:
            words = name.split()
            if len(words) < 2:
                continue
            for part in words:
                letters = sum(ch.isalpha() for ch in part)
                if letters >= 3 and part[0].isupper():
                    owners.setdefault(part, set()).add(name)
        patterns = []
        for name in full:
            people = owners.get(name, set()) if len(name.split()) < 2 else set()
            # A lone "Chiara" listed beside "Chiara Benassi" is her.
            same_as = self.key.pseudonym("PERSON", next(iter(people))) if len(people) == 1 else None
            pseudonym = self.key.pseudonym("PERSON", name, same_as=same_as)
            patterns.append((re.compile(_word(name), re.IGNORECASE), name, pseudonym))
        for part, people in owners.items():
            if part in full:
                continue
            same_as = self.key.get("PERSON", next(iter(people))) if len(people) == 1 else None
            pseudonym = self.key.pseudonym("PERSON", part, same_as=same_as)
            patterns.append((re.compile(_word(part)), part, pseudonym))
        patterns.sort(key=lambda p: len(p[1]), reverse=True)
        return patterns

    def __call__(self, text: str) -> str:
        text = _EMAIL.sub(lambda m: self.key.pseudonym("EMAIL", m.group().lower()), text)
        text = _URL.sub(self._url, text)
        text = _PHONE.sub(self._phone, text)
        for pattern, _, pseudonym in self._names:
            text = pattern.sub(pseudonym, text)
        return text

    def _url(self, match: re.Match[str]) -> str:
        url = match.group()
        stripped = url.rstrip(_URL_TRAILING)
        # Keep a closing bracket that belongs to the URL: (see https://x.org/a_(b))
        while stripped != url and url[len(stripped)] == ")" and stripped.count("(") > stripped.count(")"):
            stripped += ")"
        return self.key.pseudonym("URL", stripped) + url[len(stripped):]

    def _phone(self, match: re.Match[str]) -> str:
        candidate = match.group()
        before = match.string[max(0, match.start() - 5):match.start()]
        after = match.string[match.end():match.end() + 8]
        if not _is_phone(candidate, before, after):
            return candidate
        original = ("+" if candidate.startswith("+") else "") + re.sub(r"\D", "", candidate)
        return self.key.pseudonym("PHONE", original)


def pseudonymise(text: str, key: PseudonymKey, names: Sequence[str] = ()) -> str:
    """Replace e-mails, URLs, phone numbers and the listed ``names`` in ``text``."""
    return Pseudonymiser(key, names)(text)
