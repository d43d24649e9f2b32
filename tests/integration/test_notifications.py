"""The outbox against a real SMTP server: same transaction as the event, retries, once each,
the file backend of development, the administrators' listing, reminders preferences."""

from __future__ import annotations

import io
import threading

import pytest
from sqlalchemy import select

from quiz import storage
from quiz.extensions import db
from quiz.notifications import sender, service
from quiz.notifications.models import OutboxMessage


def queued(**kw) -> OutboxMessage:
    message = service.enqueue(kw.pop("to", "lea@example.org"), kw.pop("subject", "Accusé de dépôt"),
                              kw.pop("body", "Votre dépôt est enregistré."), kw.pop("kind", "test"), **kw)
    db.session.commit()
    return message


def test_a_message_rolled_back_with_its_event_is_never_sent(app, mail_to):
    service.enqueue("lea@example.org", "Perdu", "…", "test")
    db.session.rollback()
    assert sender.send_due_messages(app) == 0 and mail_to.received == []


def test_a_committed_message_reaches_the_smtp_server_once(app, mail_to):
    row = queued(subject="Accusé de dépôt — E5", body="Bonjour Léa,\nvotre dépôt est enregistré.")
    assert sender.send_due_messages(app) == 1
    assert sender.send_due_messages(app) == 0
    (mail,) = mail_to.messages()
    assert mail["To"] == "lea@example.org" and mail["Subject"] == "Accusé de dépôt — E5"
    assert mail["From"] == "Certification CAE <certification@example.org>"
    assert "votre dépôt est enregistré" in mail.get_content()
    assert mail["Message-ID"].startswith(f"<outbox-{row.id}-")
    db.session.refresh(row)
    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None


def test_attachments_come_from_storage(app, mail_to):
    blob = storage.put(io.BytesIO(b"%PDF-1.4 accuse"))
    queued(attachments=[service.Attachment(blob.key, "accuse-de-depot.pdf", "application/pdf")])
    sender.send_due_messages(app)
    (mail,) = mail_to.messages()
    (part,) = list(mail.iter_attachments())
    assert part.get_filename() == "accuse-de-depot.pdf" and part.get_content() == b"%PDF-1.4 accuse"


def test_an_smtp_failure_keeps_the_message_and_retries_it_later(app, mail_to, clock):
    mail_to.refuse = True
    row = queued()
    assert sender.send_due_messages(app) == 0
    db.session.refresh(row)
    assert row.status == "pending" and row.attempts == 1 and "451" in row.last_error
    assert row.next_attempt_at > clock.now
    mail_to.refuse = False
    assert sender.send_due_messages(app) == 0  # not due yet
    clock.advance(minutes=2)
    assert sender.send_due_messages(app) == 1 and len(mail_to.received) == 1


def test_an_unreachable_server_does_not_block_the_event_and_the_message_waits(app, mail_to, clock):
    app.config["SMTP_PORT"] = 1  # nothing listens there
    row = queued()
    assert sender.send_due_messages(app) == 0
    db.session.refresh(row)
    assert row.status == "pending" and row.attempts == 1
    for _ in range(sender.MAX_ATTEMPTS):
        clock.advance(hours=3)
        sender.send_due_messages(app)
    db.session.refresh(row)
    assert row.status == "failed" and row.attempts == sender.MAX_ATTEMPTS
    assert service.retry(row.id) and db.session.get(OutboxMessage, row.id).status == "pending"


def test_several_senders_at_once_send_each_message_exactly_once(app, mail_to):
    for n in range(30):
        queued(to=f"candidat{n}@example.org", subject=f"Message {n}")

    def run():
        with app.app_context():
            while sender.send_due_messages(None, limit=3):
                pass
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    subjects = sorted(m["Subject"] for m in mail_to.messages())
    assert subjects == sorted(f"Message {n}" for n in range(30))
    assert set(db.session.execute(select(OutboxMessage.status)).scalars()) == {"sent"}


def test_a_lease_held_by_a_live_sender_is_respected_and_an_expired_one_is_taken(app, mail_to, clock):
    row = queued()
    assert sender._claim("serveur-a", 10) == [row.id]
    assert sender.send_due_messages(app) == 0  # held by serveur-a
    clock.advance(minutes=6)  # serveur-a died: its lease expired
    assert sender.send_due_messages(app) == 1
    sender._finish(row.id, "serveur-a", None)  # a late answer from the dead one changes nothing
    assert db.session.get(OutboxMessage, row.id).attempts == 1


def test_a_dedupe_key_queues_a_message_once(app):
    assert queued(dedupe_key="rappel:1:j7") is not None
    assert service.enqueue("lea@example.org", "Rappel", "…", "test", dedupe_key="rappel:1:j7") is None
    db.session.commit()
    assert len(service.messages_to("lea@example.org")) == 1


def test_the_file_backend_writes_eml_files(app, tmp_path):
    app.config["MAIL_BACKEND"] = "file"
    queued(subject="Convocation E4")
    assert sender.send_due_messages(app) == 1
    (path,) = (tmp_path / "mail").glob("*.eml")
    assert b"Convocation E4" in path.read_bytes()


def test_reminders_follow_the_candidates_preferences(app, make_user):
    user = make_user()
    service.set_preferences(user.id, {"reminder_j7": False, "reminder_j1": True})
    assert service.enqueue(user.email, "J-7", "…", "reminder_j7", user_id=user.id) is None
    assert service.enqueue(user.email, "J-1", "…", "reminder_j1", user_id=user.id) is not None
    assert service.enqueue(user.email, "Accusé", "…", "deposit_receipt", user_id=user.id) is not None


def test_the_candidate_chooses_reminders_on_a_page(app, client, login, make_user):
    user = make_user()
    login(client, user)
    page = client.get("/compte/notifications").get_data(as_text=True)
    assert "Mes rappels par e-mail" in page and 'name="reminder_j7"' in page
    client.post("/compte/notifications", data={"reminder_j1": "y"})
    assert service.preferences(user.id) == {"reminder_j7": False, "reminder_j1": True}


def test_administrators_list_the_outbox_and_read_a_message(app, client, login, make_user):
    row = queued(subject="Résultats publiés", body="Vos résultats <b>sont</b> disponibles.")
    login(client, make_user(roles=("admin",)))
    listing = client.get("/admin/courriels").get_data(as_text=True)
    assert "Résultats publiés" in listing and "En attente" in listing
    page = client.get(f"/admin/courriels/{row.id}").get_data(as_text=True)
    assert "Vos résultats &lt;b&gt;sont&lt;/b&gt; disponibles." in page
    assert client.get("/admin/courriels?etat=nimporte").status_code == 404


@pytest.mark.parametrize("roles", [("candidate",), ("assessor",), ("trainer",)])
def test_only_administrators_see_the_outbox(app, client, login, make_user, roles):
    login(client, make_user(roles=roles))
    assert client.get("/admin/courriels").status_code == 403


def test_quiz_mail_send_sends_what_is_due(app, mail_to):
    for n in range(25):
        queued(subject=f"Message {n}")
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "25 message(s) envoyé(s)." in result.output
    assert len(mail_to.received) == 25
