"""KO-01 - Kortrijk, non-profit running after-school care and a neighbourhood babysitting network.

Synthetic; rendered in the "no labels" layout of hand-typed transcripts: numbered prompts
at the margin (1, 1.a, ...), answers indented with a tab.
"""

META = {
    "interview_id": "KO-01",
    "file": "KO-01_vzw.odt",
    "city": "Kortrijk",
    "country": "Belgium",
    "role": "local_organisation",
    "date": "2018-05-28",
    "language": "nl",
    "names": ["Lies Vandenberghe"],
    "interviewer": [],
    "respondent": "",
    "layout": "numbered",
}

TURNS = [
    ("Q", "background", "Kunt u iets vertellen over uw rol en uw organisatie?"),
    ("A", "Ik ben coördinator van vzw De Speelboom in Kortrijk, al een jaar of acht. We organiseren naschoolse opvang in twee wijken, een speelpleinwerking in de zomer en sinds kort ook een netwerk van buurtoppassen. We zijn met vier betaalde krachten, onder wie Lies Vandenberghe voor de administratie, en een dertigtal vrijwilligers."),
    ("Q", "background", "En hoe bent u daar terechtgekomen?"),
    ("A", "Euh, eigenlijk via mijn eigen kinderen. Ik was vrijwilliger op het speelplein toen ze klein waren, en op een dag zochten ze iemand voor de coördinatie. Ik was toen maatschappelijk werker, dus zo'n grote stap was dat niet."),
    ("Q", "needs", "Wat zijn de belangrijkste noden van gezinnen hier op het vlak van kinderopvang?"),
    ("A", "Voor de baby's is er een groot tekort aan plaatsen, dat weet iedereen. Maar wat minder gezien wordt, is de opvang rond de schooluren: 's morgens vroeg, de woensdagnamiddag, de vakanties. Veel ouders werken in ploegen, in de zorg of in de industrie rond Kortrijk, en daar past geen enkel vast aanbod bij."),
    ("Q", "needs", "Welke initiatieven zijn er om werk en gezin te combineren?"),
    ("A", "Het Huis van het Kind brengt veel partners samen, en de stad heeft een goede vakantiewerking. Er is ook Cokido, een platform waar ouders oppasuren met elkaar kunnen ruilen. Dat vond ik in het begin een beetje vreemd, maar het wordt steeds meer gebruikt."),
    ("Q", "choice", "Waarom kiezen ouders voor een gedeelde of coöperatieve vorm van opvang?"),
    ("A", "Omdat ze het zelf mee in handen willen hebben, denk ik. Ouders willen weten wie er voor hun kind zorgt, en ze willen er iets van zichzelf in kwijt. En natuurlijk speelt de prijs: in het buurtoppasnetwerk betaal je bijna niets."),
    ("Q", "choice", "Kunt u een voorbeeld geven?"),
    ("A", "In Overleie hebben vijf gezinnen samen een woensdagnamiddag opgezet, telkens bij iemand anders thuis. Wij hebben hen alleen geholpen met een verzekering en wat spelmateriaal. Het draait nu al twee jaar, en de kinderen noemen het 'de woensdagclub'."),
    ("Q", "difficulties", "Op welke organisatorische moeilijkheden bent u gestoten?"),
    ("A", "[[funding_calls|Tja, eerlijk gezegd: de financiering. We leven van projectsubsidies, en elke oproep heeft zijn eigen formulieren, criteria en timing. Voor een kleine vzw als de onze kruipt daar veel te veel tijd in.]]"),
    ("Q", "difficulties", "Kunt u daar een voorbeeld van geven?"),
    ("A", "[[funding_calls/reporting|Vorig jaar kregen we een subsidie voor het buurtoppasnetwerk. De verantwoording achteraf was zo gedetailleerd dat onze administratieve kracht er bijna een maand mee bezig was. Dat is een maand die niet naar de gezinnen ging.]]"),
    ("Q", "difficulties", "Welke rol spelen regels en regelgeving?"),
    ("A", "[[regulation|Kinderopvang is in Vlaanderen sterk gereglementeerd, en terecht. Maar voor tussenvormen, zoals ouders die om beurten op elkaars kinderen passen, is de regelgeving onduidelijk. Vanaf hoeveel kinderen ben je een opvang? Daar krijg je geen eenduidig antwoord op.]]"),
    ("Q", "trust", "Hoe belangrijk is vertrouwen als kinderen door anderen worden opgevangen?"),
    ("A", "[[trust/parents|Dat is eigenlijk de grootste drempel van allemaal. Ouders vertrouwen hun familie en hun vrienden, maar die kringen zijn gesloten. Een gezin dat net in de wijk komt wonen, komt daar niet zomaar tussen.]]"),
    ("Q", "trust", "Hoe bouwt u dat vertrouwen dan op?"),
    ("A", "We organiseren kennismakingsnamiddagen, met koffie en taart, waar nieuwe en bestaande ouders elkaar leren kennen terwijl de kinderen spelen. [[trust/institutions|Wat ook helpt, is dat de stad mee aan tafel zit: als het logo van de stad op de uitnodiging staat, komen er meer mensen.]]"),
    ("Q", "trust", "En hoe gaat u om met de veiligheid van de kinderen?"),
    ("A", "[[trust/safety|Onze buurtoppassen moeten een uittreksel uit het strafregister voorleggen en volgen een korte EHBO-opleiding. Toch blijft er altijd een restje ongerustheid bij ouders, vooral bij de allerkleinsten.]]"),
    ("Q", "technology", "Welke rol speelt technologie bij het organiseren van de opvang?"),
    ("A", "Een grote rol. Ouders in het netwerk gebruiken Cokido om oppas te vragen en uren bij te houden, en wij werken met een gedeelde online kalender. Als er iemand ziek valt, is er meestal binnen het uur een oplossing."),
    ("Q", "technology", "Zorgt zo'n platform ook voor vertrouwen?"),
    ("A", "[[trust/parents|Nee, en dat is een misverstand. Cokido werkt goed in buurten waar mensen elkaar al kennen, maar in een wijk waar niemand elkaar vertrouwt, blijft het platform gewoon leeg. Technologie volgt het vertrouwen, ze maakt het niet.]]"),
    ("Q", "technology", "Kan technologie sommige gezinnen uitsluiten?"),
    ("A", "[[digital_divide|Ja, zeker. Een deel van onze gezinnen heeft geen computer, alleen een smartphone met een beperkt abonnement. Voor nieuwkomers die nog geen Nederlands lezen, is een app vol tekst bovendien een extra drempel.]] Daarom houden we elke dinsdag een zitdag, en ouders kunnen ons ook mailen op info@despeelboom.be."),
    ("Q", "closing", "Is er nog iets dat u wilt toevoegen?"),
    ("A", "Misschien dit: betrek de kleine organisaties vanaf het begin bij het beleid. Wij zien elke dag wat werkt en wat niet, maar die kennis blijft vaak onbenut."),
]
