"""The demo interview guide: six sections plus ``closing``, questions in five languages.

Written for the synthetic demo corpus; it follows the structure of the study's guide
(background, childcare needs and work-life initiatives, choosing collaborative childcare,
organisational difficulties, trust and safety, technology, "anything else?").
"""

GUIDE = [
    {
        "id": "background",
        "title": "Background",
        "questions": {
            "en": [
                "Could you tell me about your role and your organisation?",
                "How long have you been working with families and childcare?",
                "Could you tell me a little about yourself and your family?",
            ],
            "it": [
                "Può parlarmi del suo ruolo e della sua organizzazione?",
                "Da quanto tempo lavora con le famiglie e sui servizi per l'infanzia?",
                "Può raccontarmi qualcosa di lei e della sua famiglia?",
            ],
            "hu": [
                "Mesélne a szerepéről és a szervezetükről?",
                "Mióta foglalkozik családokkal és gyermekfelügyelettel?",
                "Mesélne egy kicsit magáról és a családjáról?",
            ],
            "el": [
                "Θα μπορούσατε να μου πείτε για τον ρόλο σας και τον οργανισμό σας;",
                "Πόσο καιρό δουλεύετε με οικογένειες και με τη φροντίδα παιδιών;",
                "Θα μπορούσατε να μου πείτε λίγα λόγια για εσάς και την οικογένειά σας;",
            ],
            "nl": [
                "Kunt u iets vertellen over uw rol en uw organisatie?",
                "Hoe lang werkt u al met gezinnen en kinderopvang?",
                "Kunt u iets vertellen over uzelf en uw gezin?",
            ],
        },
    },
    {
        "id": "needs",
        "title": "Childcare needs and work-life balance initiatives",
        "questions": {
            "en": [
                "What are the main childcare needs of families in your city?",
                "Which work-life balance initiatives exist here, and how well do they work?",
                "Where do public services fall short?",
            ],
            "it": [
                "Quali sono i principali bisogni di cura dei bambini per le famiglie della sua città?",
                "Quali iniziative di conciliazione vita-lavoro esistono qui, e come funzionano?",
                "Dove non arrivano i servizi pubblici?",
            ],
            "hu": [
                "Melyek a családok legfontosabb gyermekfelügyeleti igényei a városban?",
                "Milyen kezdeményezések segítik itt a munka és a családi élet összeegyeztetését, és mennyire működnek?",
                "Miben nem elégségesek a közszolgáltatások?",
            ],
            "el": [
                "Ποιες είναι οι βασικές ανάγκες των οικογενειών για φροντίδα παιδιών στην πόλη σας;",
                "Ποιες πρωτοβουλίες για τη συμφιλίωση οικογενειακής και επαγγελματικής ζωής υπάρχουν εδώ και πώς λειτουργούν;",
                "Πού δεν επαρκούν οι δημόσιες υπηρεσίες;",
            ],
            "nl": [
                "Wat zijn de belangrijkste noden van gezinnen op het vlak van kinderopvang in uw stad?",
                "Welke initiatieven rond de combinatie van werk en gezin bestaan hier, en hoe goed werken ze?",
                "Waar schiet het openbare aanbod tekort?",
            ],
        },
    },
    {
        "id": "choice",
        "title": "Choosing collaborative childcare",
        "questions": {
            "en": [
                "Why do parents choose collaborative forms of childcare?",
                "What are the key factors in choosing a shared or collaborative solution?",
                "What would make more families take part?",
            ],
            "it": [
                "Perché i genitori scelgono forme collaborative di cura dei bambini?",
                "Quali sono i fattori decisivi nella scelta di una soluzione condivisa?",
                "Cosa spingerebbe più famiglie a partecipare?",
            ],
            "hu": [
                "Miért választanak a szülők közösségi, együttműködésen alapuló gyermekfelügyeletet?",
                "Mik a döntő szempontok egy közös megoldás kiválasztásakor?",
                "Mi ösztönözne több családot a részvételre?",
            ],
            "el": [
                "Γιατί οι γονείς επιλέγουν συνεργατικές μορφές φροντίδας παιδιών;",
                "Ποιοι είναι οι βασικοί παράγοντες για την επιλογή μιας κοινής, συνεργατικής λύσης;",
                "Τι θα έκανε περισσότερες οικογένειες να συμμετέχουν;",
            ],
            "nl": [
                "Waarom kiezen ouders voor gedeelde of coöperatieve vormen van kinderopvang?",
                "Wat zijn de doorslaggevende factoren bij de keuze voor een gedeelde oplossing?",
                "Wat zou meer gezinnen over de streep trekken om mee te doen?",
            ],
        },
    },
    {
        "id": "difficulties",
        "title": "Organisational difficulties",
        "questions": {
            "en": [
                "What organisational difficulties have you met?",
                "How are you funded, and what is it like to apply for funding?",
                "What role do rules and regulations play?",
            ],
            "it": [
                "Quali difficoltà organizzative avete incontrato?",
                "Come vi finanziate, e com'è partecipare ai bandi?",
                "Che ruolo hanno le regole e la normativa?",
            ],
            "hu": [
                "Milyen szervezési nehézségekkel találkoztak?",
                "Honnan van finanszírozásuk, és milyen a pályázás?",
                "Milyen szerepe van a szabályoknak és a jogi előírásoknak?",
            ],
            "el": [
                "Ποιες οργανωτικές δυσκολίες έχετε αντιμετωπίσει;",
                "Πώς χρηματοδοτείστε και πώς είναι η διαδικασία των προσκλήσεων;",
                "Τι ρόλο παίζουν οι κανόνες και το νομικό πλαίσιο;",
            ],
            "nl": [
                "Op welke organisatorische moeilijkheden bent u gestoten?",
                "Hoe wordt u gefinancierd, en hoe verloopt het aanvragen van subsidies?",
                "Welke rol spelen regels en regelgeving?",
            ],
        },
    },
    {
        "id": "trust",
        "title": "Trust and safety",
        "questions": {
            "en": [
                "How important is trust when children are looked after by other people?",
                "How is trust built between parents who do not know each other?",
                "How do you deal with the safety of the children?",
            ],
            "it": [
                "Quanto conta la fiducia quando i bambini sono affidati ad altre persone?",
                "Come si costruisce la fiducia tra genitori che non si conoscono?",
                "Come gestite la sicurezza dei bambini?",
            ],
            "hu": [
                "Mennyire fontos a bizalom, amikor a gyerekekre mások vigyáznak?",
                "Hogyan épül ki a bizalom olyan szülők között, akik nem ismerik egymást?",
                "Hogyan gondoskodnak a gyerekek biztonságáról?",
            ],
            "el": [
                "Πόσο σημαντική είναι η εμπιστοσύνη όταν τα παιδιά τα φροντίζουν άλλοι;",
                "Πώς χτίζεται η εμπιστοσύνη ανάμεσα σε γονείς που δεν γνωρίζονται;",
                "Πώς φροντίζετε για την ασφάλεια των παιδιών;",
            ],
            "nl": [
                "Hoe belangrijk is vertrouwen als kinderen door anderen worden opgevangen?",
                "Hoe bouw je vertrouwen op tussen ouders die elkaar niet kennen?",
                "Hoe zorgt u voor de veiligheid van de kinderen?",
            ],
        },
    },
    {
        "id": "technology",
        "title": "The role of technology",
        "questions": {
            "en": [
                "What role does technology play in organising childcare?",
                "Which digital tools do you use, and what for?",
                "Could technology leave some families out?",
            ],
            "it": [
                "Che ruolo ha la tecnologia nell'organizzazione della cura dei bambini?",
                "Quali strumenti digitali usate, e per cosa?",
                "La tecnologia potrebbe escludere alcune famiglie?",
            ],
            "hu": [
                "Milyen szerepe van a technológiának a gyermekfelügyelet megszervezésében?",
                "Milyen digitális eszközöket használnak, és mire?",
                "Előfordulhat, hogy a technológia miatt egyes családok kimaradnak?",
            ],
            "el": [
                "Τι ρόλο παίζει η τεχνολογία στην οργάνωση της φροντίδας των παιδιών;",
                "Ποια ψηφιακά εργαλεία χρησιμοποιείτε και για ποιο σκοπό;",
                "Θα μπορούσε η τεχνολογία να αποκλείσει κάποιες οικογένειες;",
            ],
            "nl": [
                "Welke rol speelt technologie bij het organiseren van kinderopvang?",
                "Welke digitale hulpmiddelen gebruikt u, en waarvoor?",
                "Kan technologie sommige gezinnen uitsluiten?",
            ],
        },
    },
    {
        "id": "closing",
        "title": "Anything else?",
        "questions": {
            "en": [
                "Is there anything else you would like to add?",
                "Is there anything we haven't asked that you think is important?",
            ],
            "it": [
                "C'è qualcos'altro che vorrebbe aggiungere?",
                "C'è qualcosa che non le abbiamo chiesto e che ritiene importante?",
            ],
            "hu": [
                "Van még valami, amit szeretne hozzátenni?",
                "Van olyan, amit nem kérdeztünk, de Ön szerint fontos?",
            ],
            "el": [
                "Υπάρχει κάτι άλλο που θα θέλατε να προσθέσετε;",
                "Υπάρχει κάτι που δεν σας ρωτήσαμε και θεωρείτε σημαντικό;",
            ],
            "nl": [
                "Is er nog iets dat u wilt toevoegen?",
                "Is er iets wat we niet gevraagd hebben maar dat u belangrijk vindt?",
            ],
        },
    },
]
