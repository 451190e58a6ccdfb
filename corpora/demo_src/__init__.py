"""Sources of the synthetic demo corpus: one module per interview (see ``corpora/build_demo.py``).

Everything here is invented for the demo: people, organisations, e-mail addresses, phone
numbers and web addresses do not refer to real ones.
"""

INTERVIEWS = [
    "bo_01",
    "bo_02",
    "bo_03",
    "bo_04",
    "bu_01",
    "bu_02",
    "bu_03",
    "th_01",
    "th_02",
    "th_03",
    "ko_01",
    "ko_02",
    "ko_03",
    "en_01",
    "en_02",
]
