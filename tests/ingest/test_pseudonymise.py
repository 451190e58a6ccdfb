"""Pseudonymisation: what is replaced, what is not, and stable pseudonyms."""

from __future__ import annotations

import pytest

from pipeline.ingest.pseudonymise import PseudonymKey, pseudonymise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Chiamami al +39 011 123 4567.", "Chiamami al [PHONE-1]."),
        ("oppure 011-1234567 la sera", "oppure [PHONE-1] la sera"),
        ("tel 0039 011 1234567", "tel [PHONE-1]"),
        ("Hívjon: +36 1 234 5678", "Hívjon: [PHONE-1]"),
        ("vagy 06 30 123 4567-en", "vagy [PHONE-1]-en"),
        ("Τηλ. 210 123 4567, ευχαριστώ", "Τηλ. [PHONE-1], ευχαριστώ"),
        ("Bel 06-12345678 of (020) 1234 5678", "Bel [PHONE-1] of [PHONE-2]"),
        ("mail maria.rossi@comune.torino.it!", "mail [EMAIL-1]!"),
        ("Írjon: kovacs.peter@example.hu.", "Írjon: [EMAIL-1]."),
        ("see https://www.comune.torino.it/nidi/?q=1.", "see [URL-1]."),
        ("(vedi www.example.org)", "(vedi [URL-1])"),
    ],
)
def test_replaces(text: str, expected: str) -> None:
    assert pseudonymise(text, PseudonymKey()) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Dal 2018 al 2019, e nel 2020-2021 anche.",
        "In 2018 2019 2020 we had waiting lists.",
        "Alle 14:30, il 12.03.2019, o il 12/03/2019, o il 2019-03-12.",
        "Ci sono 20 000 000 persone e 1 250 000 bambini.",
        "Costa 12 500 000 Ft, vagy € 1 250 000 00 havonta.",
        "Counting: 1 2 3 4 5 6 7 8 9.",
        "Ref 12345678901234567890 and 1234567 (too short).",
        "Ore 9.30-12.30, 8-10 bambini, 3,5 milioni.",
        "Kérdező: Mikor? Szülő: 2019-ben, 14:30-kor.",
    ],
)
def test_leaves_years_times_dates_amounts(text: str) -> None:
    assert pseudonymise(text, PseudonymKey()) == text


def test_names_full_parts_and_case() -> None:
    key = PseudonymKey()
    text = "Maria Rossi lavora con maria  rossi. Rossi dice: rosa. Rosa Bianchi no, ma Rosa sì; Rossini è altro."
    out = pseudonymise(text, key, ["Maria Rossi", "Rosa Bianchi"])
    assert out == ("[PERSON-1] lavora con [PERSON-1]. [PERSON-1] dice: rosa. [PERSON-2] no, "
                   "ma [PERSON-2] sì; Rossini è altro.")


def test_greek_and_hungarian_names() -> None:
    key = PseudonymKey()
    names = ["Γιώργος Παπαδόπουλος", "Kovács Péter"]
    text = "Ο Γιώργος Παπαδόπουλος και ο Γιώργος. Kovács Péter és Péter, de nem Péterné."
    out = pseudonymise(text, key, names)
    assert out == "Ο [PERSON-1] και ο [PERSON-1]. [PERSON-2] és [PERSON-2], de nem Péterné."


def test_name_parts_shared_by_two_people_get_their_own_pseudonym() -> None:
    key = PseudonymKey()
    out = pseudonymise("Maria said it, Maria Rossi and Maria Bianchi.", key, ["Maria Rossi", "Maria Bianchi"])
    assert out == "[PERSON-3] said it, [PERSON-1] and [PERSON-2]."


def test_decomposed_accents_match_after_nfc() -> None:
    import unicodedata

    text = unicodedata.normalize("NFC", "Kovács Péter jött.")
    assert pseudonymise(text, PseudonymKey(), [unicodedata.normalize("NFD", "Kovács Péter")]) == "[PERSON-1] jött."


def test_stable_across_calls_and_runs() -> None:
    key = PseudonymKey()
    first = pseudonymise("Anna Verdi, anna@x.it, +39 011 123 4567", key, ["Anna Verdi"])
    second = pseudonymise("+39 011 1234567 e Anna Verdi ANNA@X.IT; poi Luca Neri", key, ["Anna Verdi", "Luca Neri"])
    assert first == "[PERSON-1], [EMAIL-1], [PHONE-1]"
    assert second == "[PHONE-1] e [PERSON-1] [EMAIL-1]; poi [PERSON-2]"

    restored = PseudonymKey.from_entries(key.entries())
    assert restored.entries() == key.entries()
    third = pseudonymise("Luca Neri, Eva Bruni, bob@y.nl", restored, ["Luca Neri", "Eva Bruni"])
    assert third == "[PERSON-2], [PERSON-3], [EMAIL-2]"


def test_entries_list_kind_original_pseudonym() -> None:
    key = PseudonymKey()
    pseudonymise("Anna Verdi: anna@x.it", key, ["Anna Verdi"])
    assert key.entries() == [
        ("PERSON", "Anna Verdi", "[PERSON-1]"), ("PERSON", "Anna", "[PERSON-1]"), ("PERSON", "Verdi", "[PERSON-1]"),
        ("EMAIL", "anna@x.it", "[EMAIL-1]"),
    ]
    with pytest.raises(ValueError):
        PseudonymKey.from_entries([("SECRET", "x", "[SECRET-1]")])


def test_a_lone_first_name_listed_beside_the_full_name_is_the_same_person() -> None:
    key = PseudonymKey()
    out = pseudonymise("Chiara, cioè Chiara Benassi, e Samira.", key, ["Samira", "Chiara", "Chiara Benassi"])
    assert out == "[PERSON-2], cioè [PERSON-2], e [PERSON-1]."
