"""The demo's synthetic parent survey: 385 respondents whose marginals follow the study.

Every count below is chosen so that the published figures come out exactly (shares over
the respondents who answered the item; a few left an item blank):

- difficulty trusting other people with childcare (agree or strongly agree): 270/385 = 70.1%;
- used an online platform for childcare: 124/384 = 32.3%;
- used an online calendar: 78/351 = 22.2% (Kortrijk 44/93 = 47.3%, Budapest 19/68 = 27.9%);
- expects the technology to be easy to learn, mean 4.35 (1675/385); keen to try it 3.96
  (1525/385); interested in it 3.87 (1490/385), on 1-5 scales;
- women 303/384 = 78.9%.

Which respondent gets which answer is drawn with a fixed seed, so the export is the same
on every build. About one respondent in seven answers an open question, in their city's
language, with one or two sentences from the banks below.
"""

from __future__ import annotations

import random

CITIES = (  # city, country, language, respondents
    ("Bologna", "Italy", "it", 117),
    ("Kortrijk", "Belgium", "nl", 107),
    ("Thessaloniki", "Greece", "el", 84),
    ("Budapest", "Hungary", "hu", 77),
)
# per city: (yes, answered) for the yes/no items; agreeing respondents for trust_hard
TRUST_AGREE = {"Bologna": 82, "Kortrijk": 74, "Thessaloniki": 60, "Budapest": 54}
PLATFORM = {"Bologna": (30, 117), "Kortrijk": (50, 107), "Thessaloniki": (22, 83), "Budapest": (22, 77)}
CALENDAR = {"Bologna": (9, 110), "Kortrijk": (44, 93), "Thessaloniki": (6, 80), "Budapest": (19, 68)}
MEAN_SUMS = {"easy_to_learn": 1675, "keen_to_try": 1525, "interested": 1490}
GENDER = (("woman", 303), ("man", 80), ("other", 1))  # and one blank
OPEN_SHARE = {"trust_open": 0.09, "tech_open": 0.05}

TRUST_SENTENCES = {
    "it": ["Affiderei mio figlio solo a genitori che conosco da tempo.",
           "Serve conoscersi prima, magari con incontri organizzati dal Comune.",
           "Non mi fido di persone sconosciute, anche se sono genitori della stessa scuola.",
           "Un referente dell'associazione che garantisca per le famiglie mi darebbe più sicurezza.",
           "Vorrei regole chiare sulla sicurezza dei bambini, uguali per tutti.",
           "La fiducia nasce col tempo, con piccoli scambi tra vicini."],
    "nl": ["Ik laat mijn kinderen alleen bij ouders die ik goed ken.",
           "Een kennismakingsmoment met andere ouders, georganiseerd door de stad, zou helpen.",
           "Vertrouwen groeit pas als je elkaar een paar keer hebt gezien.",
           "Ik zou graag weten dat iemand van het Huis van het Kind de ouders kent.",
           "Duidelijke afspraken over veiligheid geven mij meer rust.",
           "Onbekende ouders vertrouwen vind ik moeilijk, ook via een app."],
    "el": ["Εμπιστεύομαι μόνο γονείς που γνωρίζω χρόνια.",
           "Θα βοηθούσαν συναντήσεις γνωριμίας με άλλους γονείς στον δήμο.",
           "Ένα γραφείο υποστήριξης του δήμου θα μας έδινε σιγουριά.",
           "Η εμπιστοσύνη χτίζεται σιγά σιγά, με μικρές βοήθειες μεταξύ γειτόνων.",
           "Χρειάζονται σαφείς κανόνες για την ασφάλεια των παιδιών.",
           "Δύσκολα αφήνω το παιδί μου σε άγνωστους, ακόμα κι αν είναι γονείς από το σχολείο."],
    "hu": ["Csak olyan szülőkre bízom a gyerekemet, akiket régóta ismerek.",
           "Segítene, ha az önkormányzat ismerkedési délutánokat szervezne a szülőknek.",
           "A bizalom lassan alakul ki, apró szívességekkel a szomszédok között.",
           "Egy egyesületi kapcsolattartó, aki ismeri a családokat, biztonságot adna.",
           "Világos szabályok kellenének a gyerekek biztonságáról.",
           "Idegen szülőkben nehezen bízom meg, akkor is, ha ugyanabba az iskolába járnak."],
}
TECH_SENTENCES = {
    "it": ["Un calendario condiviso online aiuterebbe a organizzare i turni.",
           "Le app sono utili per le emergenze, ma non sostituiscono la fiducia.",
           "Mia madre non usa lo smartphone, quindi resterebbe esclusa.",
           "Dovrebbe essere semplice da usare e in italiano.",
           "Una chat del gruppo classe basta già per coordinarci.",
           "Non tutte le famiglie hanno internet a casa o sanno usare una piattaforma."],
    "nl": ["Cokido werkt goed als je de andere ouders al kent.",
           "Een gedeelde online kalender maakt het plannen veel makkelijker.",
           "Niet elke ouder heeft een smartphone of kan met zo'n platform werken.",
           "De app moet eenvoudig zijn en ook in andere talen bestaan.",
           "Voor noodgevallen is een berichtje in de groep het snelst.",
           "Grootouders haken af als alles digitaal moet."],
    "el": ["Ένα κοινό ηλεκτρονικό ημερολόγιο θα διευκόλυνε την οργάνωση.",
           "Η εφαρμογή πρέπει να είναι απλή και στα ελληνικά.",
           "Πολλοί παππούδες δεν χρησιμοποιούν κινητό, άρα θα έμεναν εκτός.",
           "Για τις έκτακτες ανάγκες αρκεί ένα μήνυμα στην ομάδα των γονέων.",
           "Δεν έχουν όλες οι οικογένειες σύνδεση στο διαδίκτυο στο σπίτι.",
           "Η τεχνολογία βοηθά στην οργάνωση αλλά δεν δημιουργεί εμπιστοσύνη."],
    "hu": ["Egy közös online naptár sokat segítene a szervezésben.",
           "Az alkalmazás legyen egyszerű és magyar nyelvű.",
           "A nagyszülők nem használnak okostelefont, így kimaradnának.",
           "Vészhelyzetben egy üzenet a szülői csoportban a leggyorsabb.",
           "Nem minden családnak van otthon internete.",
           "A technológia segít szervezni, de bizalmat nem teremt."],
}
COLUMNS = ("respondent_id", "city", "country", "language", "gender", "trust_hard", "used_platform",
           "online_calendar", "easy_to_learn", "keen_to_try", "interested", "trust_open", "tech_open")

SURVEY_YAML = """\
# The demo's parent survey (synthetic): what each column of survey.csv is. See README.md.
file: survey.csv
id: respondent_id
attributes:
  city: city
  country: country
  language: language
items:
  - column: gender
    text: Gender
    kind: choice
    options: [woman, man, other]
  - column: trust_hard
    text: It is difficult for me to trust other people with my children's care
    kind: likert
    scale: {1: Strongly disagree, 2: Disagree, 3: Neither agree nor disagree, 4: Agree, 5: Strongly agree}
    links: [trust]
  - column: used_platform
    text: Have you used an online platform to organise childcare?
    kind: yes_no
    links: [digital_divide]
  - column: online_calendar
    text: Have you used an online calendar to organise childcare?
    kind: yes_no
    links: [digital_divide]
  - column: easy_to_learn
    text: I expect a technology for organising childcare to be easy to learn
    kind: likert
    scale: {1: Strongly disagree, 2: Disagree, 3: Neither agree nor disagree, 4: Agree, 5: Strongly agree}
    links: [digital_divide]
  - column: keen_to_try
    text: I would be keen to try a technology for organising childcare
    kind: likert
    scale: {1: Strongly disagree, 2: Disagree, 3: Neither agree nor disagree, 4: Agree, 5: Strongly agree}
  - column: interested
    text: I am interested in technologies for organising childcare
    kind: likert
    scale: {1: Strongly disagree, 2: Disagree, 3: Neither agree nor disagree, 4: Agree, 5: Strongly agree}
  - column: trust_open
    text: What would help you trust other parents with your children?
    kind: open
  - column: tech_open
    text: What would make an app or online platform useful to you for organising childcare?
    kind: open
"""


def _yes_no(rng: random.Random, n: int, yes: int, answered: int) -> list[str]:
    cells = ["yes"] * yes + ["no"] * (answered - yes) + [""] * (n - answered)
    rng.shuffle(cells)
    return cells


def _likert_with_sum(rng: random.Random, n: int, total: int) -> list[int]:
    """``n`` points on 1-5 summing to ``total``: drawn near the target mean, then nudged."""
    target = total / n
    values = [min(5, max(1, round(rng.gauss(target, 0.9)))) for _ in range(n)]
    while sum(values) != total:
        i = rng.randrange(n)
        step = 1 if sum(values) < total else -1
        if 1 <= values[i] + step <= 5:
            values[i] += step
    return values


def _answer(rng: random.Random, bank: list[str]) -> str:
    return " ".join(rng.sample(bank, rng.choice((1, 1, 2))))


def build_rows() -> list[dict[str, str]]:
    rng = random.Random(2019)
    rows: list[dict[str, str]] = []
    for city, country, language, n in CITIES:
        agree = TRUST_AGREE[city]
        trust = [rng.choice((4, 5)) for _ in range(agree)] + [rng.choice((1, 2, 2, 3, 3)) for _ in range(n - agree)]
        rng.shuffle(trust)
        platform = _yes_no(rng, n, *PLATFORM[city])
        calendar = _yes_no(rng, n, *CALENDAR[city])
        for i in range(n):
            rows.append({"respondent_id": f"R{len(rows) + 1:03d}", "city": city, "country": country,
                         "language": language, "trust_hard": str(trust[i]), "used_platform": platform[i],
                         "online_calendar": calendar[i]})
    total = len(rows)
    for column, target in MEAN_SUMS.items():
        for row, value in zip(rows, _likert_with_sum(rng, total, target)):
            row[column] = str(value)
    genders = [g for g, k in GENDER for _ in range(k)] + [""] * (total - sum(k for _, k in GENDER))
    rng.shuffle(genders)
    for row, gender in zip(rows, genders):
        row["gender"] = gender
        for column, bank in (("trust_open", TRUST_SENTENCES), ("tech_open", TECH_SENTENCES)):
            row[column] = _answer(rng, bank[row["language"]]) if rng.random() < OPEN_SHARE[column] else ""
    return [{c: row[c] for c in COLUMNS} for row in rows]
