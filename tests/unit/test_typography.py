"""French typography of text people read: no-break spaces, elision, thousands."""

from quiz.typography import NBSP, NNBSP, elide, french


def test_no_break_spaces_where_french_puts_them():
    assert french("Réponse attendue : 12,5 % ; « oui » ! Vraiment ?") == (
        f"Réponse attendue{NBSP}: 12,5{NNBSP}% ; «{NBSP}oui{NBSP}»{NNBSP}! Vraiment{NNBSP}?".replace(
            " ;", f"{NNBSP};"))


def test_nothing_is_inserted_where_there_was_no_space():
    assert french("10:30 http://exemple.fr a;b") == "10:30 http://exemple.fr a;b"


def test_message_placeholders_are_left_alone():
    assert french("%(num)d questions : %(percent)s") == f"%(num)d questions{NBSP}: %(percent)s"
    assert french("+33 %% de temps") == f"+33{NNBSP}%% de temps"


def test_the_narrow_space_can_be_replaced_where_fonts_lack_it():
    assert french("Score : 50 %", narrow=NBSP) == f"Score{NBSP}: 50{NBSP}%"


def test_elision_before_a_vowel():
    assert elide("de", "Alice Martin") == "d'Alice Martin"
    assert elide("que", "Émile") == "qu'Émile"
    assert elide("de", "Bob") == "de Bob"
    assert elide("de", "Hugo") == "de Hugo"

