"""Password reset by e-mail, read from a real SMTP server: a time-limited, single-use link."""

from __future__ import annotations

import re

from quiz.extensions import db
from quiz.notifications import sender
from quiz.notifications.models import OutboxMessage
from tests.conftest import PASSWORD

NEW = "un-nouveau-mot-de-passe"


def reset_link(mail_to) -> str:
    (mail,) = mail_to.messages()
    match = re.search(r"http://localhost(/mot-de-passe-oublie/\S+)", mail.get_content())
    assert match, mail.get_content()
    return match.group(1)


def ask(client, app, email):
    response = client.post("/mot-de-passe-oublie", data={"email": email})
    sender.send_due_messages(app)
    return response


def test_a_link_by_mail_sets_a_new_password_once(app, client, make_user, mail_to, login):
    user = make_user(email="lea@example.org")
    response = ask(client, app, "Lea@Example.org")
    assert response.status_code == 302
    link = reset_link(mail_to)
    assert "Choisir un nouveau mot de passe" in client.get(link).get_data(as_text=True)
    assert client.post(link, data={"new": NEW, "confirm": NEW}).status_code == 302
    login(client, user, password=NEW)
    client.post("/logout")
    again = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "Ce lien a déjà servi" in again
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 200


def test_a_link_expires(app, client, make_user, mail_to, clock):
    make_user(email="lea@example.org")
    ask(client, app, "lea@example.org")
    link = reset_link(mail_to)
    clock.advance(minutes=61)
    page = client.post(link, data={"new": NEW, "confirm": NEW}, follow_redirects=True).get_data(as_text=True)
    assert "Ce lien a expiré" in page


def test_an_unknown_address_gets_the_same_answer_and_no_mail(app, client, make_user, mail_to):
    make_user(email="lea@example.org")
    known = ask(client, app, "lea@example.org").get_data(as_text=True)
    unknown = ask(client, app, "personne@example.org").get_data(as_text=True)
    assert known == unknown
    assert len(mail_to.received) == 1


def test_repeated_requests_send_one_mail_per_few_minutes(app, client, make_user, mail_to, clock):
    make_user(email="lea@example.org")
    for _ in range(5):
        ask(client, app, "lea@example.org")
    assert len(mail_to.received) == 1
    clock.advance(minutes=6)
    ask(client, app, "lea@example.org")
    assert len(mail_to.received) == 2


def test_a_tampered_or_foreign_token_is_refused(app, client, make_user, mail_to):
    make_user(email="lea@example.org")
    ask(client, app, "lea@example.org")
    link = reset_link(mail_to)
    page = client.get(link[:-3] + "abc", follow_redirects=True).get_data(as_text=True)
    assert "Ce lien de réinitialisation n&#39;est pas valide" in page or "n'est pas valide" in page


def test_a_weak_new_password_is_refused_with_the_link_still_valid(app, client, make_user, mail_to):
    make_user(email="lea@example.org")
    ask(client, app, "lea@example.org")
    link = reset_link(mail_to)
    page = client.post(link, data={"new": "court", "confirm": "court"}).get_data(as_text=True)
    assert "10" in page
    assert client.post(link, data={"new": NEW, "confirm": NEW}).status_code == 302
    assert db.session.query(OutboxMessage).count() == 1
