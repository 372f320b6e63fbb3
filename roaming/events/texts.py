"""What visitors are told about their event registrations, in English, German and French."""

HEADLINES = {
    "en": {
        "registered": "You have a seat at {title}.",
        "waitlisted": "{title} is full: you are number {position} on the waiting list. We will tell you when a seat is yours.",
        "cancelled": "Your registration for {title} is cancelled.",
        "attended": "Thank you for coming to {title}.",
        "missed": "No seat was freed for you at {title}.",
        "price": "Price (member rate): {price}",
        "free": "Free of charge.",
        "when": "When",
        "where": "Where",
    },
    "de": {
        "registered": "Sie haben einen Platz bei {title}.",
        "waitlisted": "{title} ist ausgebucht: Sie sind Nummer {position} auf der Warteliste. Wir melden uns, sobald ein Platz frei wird.",
        "cancelled": "Ihre Anmeldung zu {title} ist storniert.",
        "attended": "Danke für Ihre Teilnahme an {title}.",
        "missed": "Für {title} wurde leider kein Platz frei.",
        "price": "Preis (Mitgliedertarif): {price}",
        "free": "Kostenlos.",
        "when": "Wann",
        "where": "Wo",
    },
    "fr": {
        "registered": "Vous avez une place pour {title}.",
        "waitlisted": "{title} est complet : vous êtes numéro {position} sur la liste d'attente. Nous vous préviendrons dès qu'une place se libère.",
        "cancelled": "Votre inscription à {title} est annulée.",
        "attended": "Merci d'avoir participé à {title}.",
        "missed": "Aucune place ne s'est libérée pour vous à {title}.",
        "price": "Prix (tarif membre) : {price}",
        "free": "Gratuit.",
        "when": "Quand",
        "where": "Où",
    },
}
