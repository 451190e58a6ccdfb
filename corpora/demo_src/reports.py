"""The demo's official reports (synthetic, written for qualflow): two short PDFs per city.

Each city has a report of the local authority in the city's language (two pages) and a
one-page English note of a project partner. They restate, as administrations write, what
the study found: public calls hard on small associations, trust to be brokered, rules to be
set, technology that helps organise but not trust, and a risk of a digital divide. The
organisations and programmes are invented (except the Huis van het Kind, Cokido and the
patti di collaborazione, which the real respondents name).
"""

from __future__ import annotations

REPORTS = [
    {
        "id": "BO-D1", "file": "BO-D1_relazione_comune.pdf", "city": "Bologna", "country": "Italy",
        "language": "it", "date": "2019-02-15",
        "title": "Comune di Bologna - Relazione sui servizi educativi extrascolastici 2018",
        "pages": [
            ["Nel 2018 il Comune ha finanziato quattordici progetti di doposcuola tramite bandi pubblici. "
             "Le associazioni più piccole hanno segnalato che la partecipazione ai bandi e la rendicontazione "
             "finanziaria richiedono tempo e personale che non hanno.",
             "I patti di collaborazione sono stati proposti come strumento più leggero, aperto anche ai gruppi "
             "informali senza personalità giuridica. Tuttavia nel settore dell'infanzia sono stati firmati "
             "solo due patti, anche perché alcuni richiedevano un cofinanziamento."],
            ["Le famiglie chiedono regole chiare fin dall'inizio, le stesse condizioni per tutti e una persona "
             "di riferimento in Comune. Molti genitori affidano i figli solo a famiglie che già conoscono.",
             "Il Comune intende organizzare incontri di conoscenza tra genitori nei quartieri e mettere a "
             "disposizione spazi pubblici per le attività condivise."],
        ],
    },
    {
        "id": "BO-D2", "file": "BO-D2_partner_note.pdf", "city": "Bologna", "country": "Italy",
        "language": "en", "date": "2019-03-04",
        "title": "Project partner note: collaborative childcare in Bologna",
        "pages": [
            ["Parents in Bologna use group chats every day to swap pick-ups, but few have tried a dedicated "
             "platform. Several grandparents who help with childcare do not use smartphones and would be left "
             "out of any purely digital scheme.",
             "Small associations told us the reporting rules of municipal grants are the main reason they stop "
             "applying. A single contact person at the municipality would help them through the paperwork."],
        ],
    },
    {
        "id": "KO-D1", "file": "KO-D1_jaarverslag_stad.pdf", "city": "Kortrijk", "country": "Belgium",
        "language": "nl", "date": "2019-01-30",
        "title": "Stad Kortrijk - Jaarverslag kinderopvang en gezinsondersteuning 2018",
        "pages": [
            ["Het Huis van het Kind bracht in 2018 meer dan twintig organisaties samen rond opvang na school. "
             "Kleine vrijwilligersorganisaties vinden de subsidieaanvragen en de financiële verantwoording "
             "zwaar voor hun beperkte ploeg.",
             "Het platform Cokido wordt vooral gebruikt door ouders die elkaar al kennen. Waar dat vertrouwen "
             "ontbreekt, blijft het aantal oppasbeurten via het platform laag."],
            ["Ouders vragen duidelijke afspraken over veiligheid en verantwoordelijkheid bij onderlinge opvang. "
             "De stad organiseert daarom kennismakingsnamiddagen in de buurthuizen.",
             "Niet alle gezinnen hebben een smartphone of de digitale vaardigheden om een online kalender te "
             "gebruiken. Het Huis van het Kind biedt hulp aan wie dat nodig heeft."],
        ],
    },
    {
        "id": "KO-D2", "file": "KO-D2_partner_note.pdf", "city": "Kortrijk", "country": "Belgium",
        "language": "en", "date": "2019-02-20",
        "title": "Project partner note: digital tools for childcare in Kortrijk",
        "pages": [
            ["Almost half of the parents we surveyed in Kortrijk already share an online calendar for childcare. "
             "Technology makes everyday organisation and emergencies easier, but it does not create trust "
             "between families who have never met.",
             "Newcomer families and parents with little digital experience use the platform least. Training "
             "sessions in the neighbourhood centres could reduce this digital divide."],
        ],
    },
    {
        "id": "TH-D1", "file": "TH-D1_ekthesi_dimou.pdf", "city": "Thessaloniki", "country": "Greece",
        "language": "el", "date": "2019-02-08",
        "title": "Δήμος Θεσσαλονίκης - Έκθεση για την απογευματινή φροντίδα παιδιών 2018",
        "pages": [
            ["Οι δημοτικές υπηρεσίες απογευματινής φροντίδας δεν καλύπτουν τις ανάγκες των εργαζόμενων γονέων. "
             "Οι μικροί σύλλογοι δυσκολεύονται να συμμετέχουν στις προσκλήσεις χρηματοδότησης και να "
             "υποβάλλουν οικονομικές αναφορές.",
             "Οι γονείς ζητούν σαφείς κανόνες από την αρχή και ένα πρόσωπο αναφοράς στον δήμο για κάθε "
             "συνεργατική δράση."],
            ["Προτείνεται η λειτουργία γραφείου υποστήριξης, ώστε οι γονείς να αποκτήσουν σιγουριά και "
             "εμπιστοσύνη πριν αφήσουν τα παιδιά τους σε άλλες οικογένειες.",
             "Ο δήμος θα διαθέσει δημόσιους χώρους για συναντήσεις γνωριμίας και εργαστήρια γονέων."],
        ],
    },
    {
        "id": "TH-D2", "file": "TH-D2_partner_note.pdf", "city": "Thessaloniki", "country": "Greece",
        "language": "en", "date": "2019-03-12",
        "title": "Project partner note: parents' networks in Thessaloniki",
        "pages": [
            ["Informal circles of families support each other with childcare, but they rarely open to parents "
             "they do not know. Trust towards unknown parents has to be built, and families expect the "
             "municipality to broker it.",
             "Few parents in Thessaloniki use online tools for childcare today. An app should be simple and in "
             "Greek, or it will exclude older relatives who help with the children."],
        ],
    },
    {
        "id": "BU-D1", "file": "BU-D1_onkormanyzati_jelentes.pdf", "city": "Budapest", "country": "Hungary",
        "language": "hu", "date": "2019-02-01",
        "title": "Fővárosi önkormányzat - Jelentés a családtámogató programokról 2018",
        "pages": [
            ["A kerületi pályázatokon elsősorban a nagyobb szervezetek indulnak. A kis egyesületeknek nincs "
             "elég emberük a pályázati adminisztrációhoz és a pénzügyi elszámoláshoz.",
             "A szülők világos szabályokat és egy kapcsolattartót kérnek az önkormányzattól, mielőtt közös "
             "gyermekfelügyeletet szerveznek."],
            ["A családok többsége csak ismerős szülőkre bízza a gyerekét. Az önkormányzat ismerkedési "
             "délutánokat és szülői műhelyeket tervez a bizalom építésére.",
             "A szülők közel harmada használ online naptárt a gyermekfelügyelet szervezésére. Az idősebb "
             "nagyszülők és a hátrányos helyzetű családok kimaradhatnak a digitális megoldásokból."],
        ],
    },
    {
        "id": "BU-D2", "file": "BU-D2_partner_note.pdf", "city": "Budapest", "country": "Hungary",
        "language": "en", "date": "2019-03-18",
        "title": "Project partner note: employers and childcare in Budapest",
        "pages": [
            ["Companies in Budapest offer flexible hours but rarely support parents' own childcare networks. "
             "Parents told us they need a trusted contact before they leave children with another family.",
             "A shared online calendar was welcomed for organising pick-ups, yet families without reliable "
             "internet access at home could not take part."],
        ],
    },
]
