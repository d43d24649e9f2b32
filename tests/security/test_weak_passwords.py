"""Weak passwords are refused: common ones, keyboard runs, repeats, and the user's own name or e-mail."""

from __future__ import annotations

import pytest

from quiz.accounts.passwords import problem
from tests.conftest import PASSWORD

WEAK = ["aaaaaaaaaa", "password12", "azertyuiop", "qwertyuiop", "1234567890", "motdepasse1", "Motdepasse2024",
        "soleil2024!", "azerty1234", "abcdefghij", "P@ssw0rd123", "iloveyou12", "bonjour123"]
PERSONAL = ["jean.dupont@example.org", "JeanDupont2024!", "dupont-cheval-42", "Élodie-tigre-lune",
            "xjean.dupontx-9", "tigre-DUPONT-lune"]
STRONG = ["cheval-agrafe-pile-correct", "un-nouveau-secret", "mon-nouveau-secret", "Violette?Tram#Quinze7"]


@pytest.mark.parametrize("password", WEAK)
def test_common_and_guessable_passwords_are_refused(password):
    assert problem(password, "Jean", "Dupont", "jean.dupont@example.org")


@pytest.mark.parametrize("password", PERSONAL)
def test_passwords_holding_the_name_or_email_are_refused(password):
    message = problem(password, "Élodie" if "lodie" in password else "Jean", "Dupont", "jean.dupont@example.org")
    assert message and "nom" in message


@pytest.mark.parametrize("password", STRONG)
def test_long_unrelated_words_are_accepted(password):
    assert problem(password, "Jean", "Dupont", "jean.dupont@example.org") is None


@pytest.mark.parametrize("new", ["azertyuiop", "password12", "aaaaaaaaaa"])
def test_the_password_change_refuses_a_weak_one_and_keeps_the_old(app, client, login, make_user, new):
    user = make_user(email="claire.martin@example.org", first_name="Claire", last_name="Martin")
    login(client, user)
    response = client.post("/account/password", data={"current": PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 200 and "trop facile" in response.get_data(as_text=True)
    client.post("/logout")
    login(client, user)  # the old password still works


def test_the_password_change_refuses_ones_own_email(app, client, login, make_user):
    user = make_user(email="claire.martin@example.org", first_name="Claire", last_name="Martin")
    login(client, user)
    for new in ("claire.martin@example.org", "Martin-Claire-1984"):
        body = client.post("/account/password", data={"current": PASSWORD, "new": new, "confirm": new}).get_data(
            as_text=True)
        assert "ni votre nom" in body
