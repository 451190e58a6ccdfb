"""KO-03 - Kortrijk, father swapping babysitting with neighbours via Cokido (synthetic, subtitle export).

One answer switches to English (the respondent works in English all day).
"""

META = {
    "interview_id": "KO-03",
    "file": "KO-03_ouder.srt",
    "city": "Kortrijk",
    "country": "Belgium",
    "role": "parent",
    "date": "2018-06-20",
    "language": "nl",
    "names": ["Wim Declercq", "Wim"],
    "interviewer": ["Interviewer"],
    "respondent": "Ouder",
    "t0_ms": 5400,
}

TURNS = [
    ("Q", "background", "Kunt u iets vertellen over uzelf en uw gezin?"),
    ("A", "Ja hoor. Ik ben veertig, ik werk als projectleider bij een internationaal bedrijf hier in Kortrijk, en mijn vrouw is kinesiste met een eigen praktijk. We hebben drie kinderen: twee jongens van zeven en negen, en een meisje van drie."),
    ("Q", "background", "Hoe ziet een gewone week eruit?"),
    ("A", "Nogal druk. (lacht) 's Morgens breng ik de kinderen naar school en naar de opvang, en mijn vrouw haalt ze meestal op. Maar zij heeft 's avonds vaak patiënten, dus op maandag en donderdag moeten we creatief zijn."),
    ("Q", "needs", "Wat hebt u als gezin het meest nodig op het vlak van opvang?"),
    ("A", "Flexibiliteit, vooral voor die late namiddagen en de schoolvakanties. De naschoolse opvang sluit om half zeven, en als ik een vergadering heb met collega's in Amerika, is dat soms krap."),
    ("Q", "needs", "Helpt uw werkgever daarbij?"),
    ("A", "Ja, best wel. Ik mag af en toe van thuis werken en mijn uren zelf indelen, zolang het werk af is. Al zit je dan wel 's avonds nog te mailen als de kinderen in bed liggen."),
    ("Q", "choice", "U gebruikt een gedeelde vorm van opvang. Hoe is dat begonnen?"),
    ("A", "Via Cokido eigenlijk. Een buurman, Wim Declercq, had er een account en vroeg of wij ook niet wilden meedoen. Nu ruilen we met vier gezinnen uit de straat: de ene keer passen wij op, de andere keer zij."),
    ("Q", "choice", "Waarom hebt u voor die oplossing gekozen?"),
    ("A", "Omdat het goedkoop is, uiteraard, maar vooral omdat de kinderen dan bij vriendjes zijn en niet in een grote groep. En ik vind het fijn dat we als buren iets voor elkaar doen. Dat is hier in de straat echt gegroeid, allez."),
    ("Q", "difficulties", "Bent u op moeilijkheden gestoten?"),
    ("A", "Soms zijn de verhoudingen scheef: het ene gezin vraagt veel, het andere bijna nooit. Het platform houdt de uren bij, dus je ziet dat ook, en dat kan gevoelig liggen. Dat moet je dan eerlijk op tafel leggen."),
    ("Q", "difficulties", "Zouden duidelijke regels helpen?"),
    ("A", "[[regulation|Ja, ik denk het wel. Wij hebben onze afspraken zelf op een blad gezet, maar het zou makkelijker zijn als er vanuit de stad een soort standaardregeling bestond, voor iedereen dezelfde. Dan hoef je niet telkens opnieuw de discussie te voeren.]]"),
    ("Q", "difficulties", "Hebt u ooit geprobeerd om als groep ondersteuning of een subsidie te krijgen?"),
    ("A", "[[funding_calls;regulation/legal_status|We hebben eraan gedacht voor een speeltuintje op het pleintje, maar dan hadden we een vzw nodig en een heel dossier. Dat zag niemand zitten, want iedereen werkt voltijds.]]"),
    ("Q", "trust", "Hoe belangrijk is vertrouwen voor u?"),
    ("A", "[[trust/parents|Heel belangrijk. Mijn dochter van drie laat ik alleen achter bij mensen die ik echt ken. Met die vier gezinnen is dat geen probleem, maar met iemand die ik alleen van het platform ken, zou ik niet zomaar ruilen.]]"),
    ("Q", "trust", "Kunt u een voorbeeld geven?"),
    ("A", "Sorry, I'll switch to English for a second, it's what I speak at work all day. [[trust/parents|Last year a new family moved into the street, really nice people, and they signed up on Cokido straight away. But for months nobody asked them to babysit, simply because we didn't know them, and honestly I felt a bit bad about that.]]"),
    ("Q", "trust", "Hoe zou dat vertrouwen beter kunnen groeien?"),
    ("A", "[[trust/parents;trust/institutions|Door elkaar eerst in het echt te ontmoeten, denk ik. Als de stad of de school af en toe een kennismakingsmoment zou organiseren voor ouders uit dezelfde buurt, zou dat veel schelen.]] Een buurtfeest werkt trouwens ook: zo hebben wij Wim beter leren kennen."),
    ("Q", "trust", "En de veiligheid van de kinderen?"),
    ("A", "Daar maak ik me eerlijk gezegd weinig zorgen over, in onze straat kent iedereen elkaar. We hebben wel afgesproken dat niemand de kinderen met de auto vervoert zonder het eerst te vragen."),
    ("Q", "technology", "Hoe gebruikt u technologie om de opvang te regelen?"),
    ("A", "Cokido voor de ruil en de uren, en daarnaast een WhatsApp-groep met de vier gezinnen voor dringende dingen. Toen mijn jongste vorige maand plots koorts kreeg in de opvang, zat ik in Gent, en binnen het kwartier had een buurvrouw haar opgehaald. Zonder die groep was dat nooit gelukt."),
    ("Q", "technology", "Denkt u dat zulke tools bepaalde gezinnen uitsluiten?"),
    ("A", "[[digital_divide|Ja, dat denk ik wel. Op de hoek woont een ouder koppel dat op de kleinkinderen past, en zij hebben geen smartphone, dus ze vallen volledig buiten de groep. En ik vermoed dat gezinnen met minder geld of minder digitale kennis het platform gewoon niet vinden.]]"),
    ("Q", "closing", "Is er nog iets dat u wilt toevoegen?"),
    ("A", "Nee, ik denk dat ik alles gezegd heb. Misschien nog dat zo'n coöperatie tussen buren veel meer oplevert dan alleen opvang: je leert je straat kennen."),
]
