"""Password strength: long enough, not guessable, and not made of the account's own name or e-mail.

Guessability is zxcvbn's estimate (Dropbox's algorithm, the `zxcvbn` package: 30,000 common
passwords, English words, names, keyboard patterns, repeats, sequences, dates, l33t), which
must reach 3 of 4 ("safely unguessable: moderate protection from offline attacks"). zxcvbn's
dictionaries are English: FRENCH_WORDS adds the French passwords and words it does not know
(our own list: `azertyuiop` and `motdepasse2024` are weak for a French user), plus the
platform's own vocabulary. Passwords holding the user's first name, last name or e-mail (or its
local part) are refused outright, whatever their score.
"""

from __future__ import annotations

import unicodedata

from zxcvbn import zxcvbn

MIN_LENGTH = 10
MIN_SCORE = 3
# zxcvbn scores the first 100 characters; a longer password is long enough.
SCORED_LENGTH = 100
FRENCH_WORDS = (
    "motdepasse", "azerty", "azertyuiop", "qsdfghjklm", "wxcvbn", "soleil", "bonjour", "bonsoir", "salut",
    "coucou", "jetaime", "jtm", "amour", "chouchou", "doudou", "loulou", "chéri", "chérie", "bisous",
    "princesse", "chocolat", "marseille", "paris", "lyon", "toulouse", "bordeaux", "france", "liberte",
    "bienvenue", "secret", "motdepass", "mdp", "confidentiel", "certification", "questionnaire", "examen",
    "banque", "affaires", "entreprise", "candidat", "formateur", "evaluateur", "administrateur",
    "utilisateur", "connexion", "nicolas", "camille", "julien", "thomas", "marie", "sophie", "pierre",
    "jeanne", "louise", "lucas", "hugo", "emma", "chaton", "poupette", "titou", "bebe",
)


def _plain(text: str) -> str:
    """Lower case without accents, for comparing a password with a name."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def personal_words(first_name: str = "", last_name: str = "", email: str = "") -> list[str]:
    """The parts of an identity a password must not contain (3 characters or more)."""
    local = email.split("@")[0]
    words = [first_name, last_name, email, local, *local.replace("_", ".").replace("-", ".").split(".")]
    return sorted({_plain(w.strip()) for w in words if len(w.strip()) >= 3}, key=len, reverse=True)


def problem(password: str, first_name: str = "", last_name: str = "", email: str = "") -> str | None:
    """What is wrong with `password` for this person, in French, or None when it is strong enough."""
    if len(password) < MIN_LENGTH:
        return f"Le mot de passe doit compter au moins {MIN_LENGTH} caractères."
    plain = _plain(password)
    mine = personal_words(first_name, last_name, email)
    if any(word in plain for word in mine):
        return "Le mot de passe ne doit contenir ni votre nom, ni votre prénom, ni votre adresse e-mail."
    result = zxcvbn(password[:SCORED_LENGTH], user_inputs=[*mine, *FRENCH_WORDS])
    if result["score"] < MIN_SCORE:
        return ("Ce mot de passe est trop facile à deviner (mot courant, suite de clavier, répétition ou "
                "date) : choisissez par exemple trois ou quatre mots sans rapport entre eux.")
    return None
