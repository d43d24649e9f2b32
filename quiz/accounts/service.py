"""Account operations used by the views and the CLI: one function per thing a person does."""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from quiz.accounts import passwords
from quiz.accounts.models import Cohort, User
from quiz.accounts.roles import Role
from quiz.audit.service import record
from quiz.extensions import db
from quiz.timeutil import utcnow

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH


class AccountError(ValueError):
    """A request about accounts that cannot be honoured; the message is French and shown as is."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.execute(select(User).where(User.email == normalise_email(email))).scalar_one_or_none()


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer whatever failed)."""
    user = find_user(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)  # the same work as for an account: timing tells nothing
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def journal_failure(email: str, reservation) -> None:
    """Journal a failed login, within bounds anonymous traffic cannot push.

    A failure on an existing account is journaled with it as target (the e-mail throttle bounds
    those to a handful per lock). Failures on e-mails without an account are journaled only for
    the first of their address in the throttle's window: a visitor cycling through invented
    addresses writes one row, then the address lock's one (`login.throttled`), not one per try."""
    user = find_user(email)
    if user is not None:
        record("login.failure", target=user, details={"email": user.email})
    elif reservation.address_failures <= 1:
        record("login.failure", details={"email": normalise_email(email)[:254]})


@lru_cache(maxsize=4)
def _hash_for(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def _dummy_hash() -> str:
    return _hash_for(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def check_password_strength(password: str, user: User | None = None) -> None:
    """AccountError unless `password` is long, not guessable, and free of the user's name and e-mail."""
    identity = (user.first_name, user.last_name, user.email) if user is not None else ()
    message = passwords.problem(password, *identity)
    if message:
        raise AccountError(message)


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError("Le mot de passe actuel est incorrect.")
    check_password_strength(new, user)
    if current == new:
        raise AccountError("Le nouveau mot de passe doit être différent de l'actuel.")
    user.set_password(new)
    user.must_change_password = False
    record("password.change", target=user, commit=False)
    db.session.commit()


def create_user(email: str, first_name: str, last_name: str, roles, password: str | None = None,
                cohort_names=(), must_change_password: bool = True) -> tuple[User, str]:
    """Create a user; returns it with its initial password (generated when not given)."""
    email = normalise_email(email)
    if find_user(email) is not None:
        raise AccountError(f"Un compte existe déjà pour {email}.")
    password = password or generate_password()
    user = User(email=email, first_name=first_name.strip(), last_name=last_name.strip(),
                must_change_password=must_change_password)
    user.set_password(password)
    user.set_roles(roles)
    for name in cohort_names:
        user.cohorts.append(get_or_create_cohort(name))
    db.session.add(user)
    db.session.flush()
    record("user.create", target=user, details={"email": email, "roles": sorted(map(str, roles))}, commit=False)
    db.session.commit()
    return user, password


def set_active(user: User, active: bool) -> None:
    user.active = active
    user.session_version += 1
    record("user.active", target=user, details={"active": active}, commit=False)
    db.session.commit()


def update_roles(user: User, roles) -> None:
    if not roles:
        raise AccountError("Un compte doit avoir au moins un rôle.")
    before = sorted(r.value for r in user.roles)
    user.set_roles(roles)
    if before != sorted(r.value for r in user.roles):
        record("user.roles", target=user, details={"before": before, "after": sorted(r.value for r in user.roles)},
               commit=False)
    db.session.commit()


def get_or_create_cohort(name: str) -> Cohort:
    name = name.strip()
    cohort = db.session.execute(select(Cohort).where(Cohort.name == name)).scalar_one_or_none()
    if cohort is None:
        cohort = Cohort(name=name)
        db.session.add(cohort)
        db.session.flush()
    return cohort


def create_cohort(name: str) -> Cohort:
    name = name.strip()
    if not name:
        raise AccountError("Le nom de la cohorte est obligatoire.")
    if db.session.execute(select(Cohort).where(Cohort.name == name)).scalar_one_or_none():
        raise AccountError(f"La cohorte « {name} » existe déjà.")
    cohort = Cohort(name=name)
    db.session.add(cohort)
    db.session.commit()
    return cohort


def list_users() -> list[User]:
    return list(db.session.execute(select(User).order_by(User.last_name, User.first_name)).scalars())


def list_cohorts() -> list[tuple[Cohort, int]]:
    from quiz.accounts.models import cohort_members

    rows = db.session.execute(
        select(Cohort, func.count(cohort_members.c.user_id))
        .outerjoin(cohort_members, cohort_members.c.cohort_id == Cohort.id)
        .group_by(Cohort.id)
        .order_by(Cohort.name)
    ).all()
    return [(cohort, count) for cohort, count in rows]


def candidates_of(cohort: Cohort) -> list[User]:
    return [u for u in cohort.members if u.has_role(Role.CANDIDATE)]


def has_admin() -> bool:
    from quiz.accounts.models import UserRole

    return db.session.execute(select(UserRole.id).where(UserRole.role == Role.ADMIN.value).limit(1)).first() is not None


# --- CSV import of candidates -------------------------------------------------------------

CSV_COLUMNS = ("nom", "prenom", "email", "cohorte")
_ALIASES = {"nom": "nom", "last_name": "nom", "prénom": "prenom", "prenom": "prenom", "first_name": "prenom",
            "email": "email", "e-mail": "email", "courriel": "email", "mail": "email",
            "cohorte": "cohorte", "cohort": "cohorte", "promotion": "cohorte"}


@dataclass
class CsvImportReport:
    created: list[tuple[User, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _delimiter(header: str) -> str:
    """The separator of the header line (`;` from a French spreadsheet, `,` or a tab otherwise).

    Only the separator is guessed; quoting stays the standard one (RFC 4180: `""` inside quotes
    is one `"`), which the sniffer got wrong on names such as "O""Brien"."""
    counts = {sep: header.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ";"


def import_candidates_csv(raw: bytes) -> CsvImportReport:
    """Create one candidate per line (nom, prénom, email, cohorte), all or nothing.

    Every line is checked first; a single error means no account is created, and the report
    lists each faulty line with its number so the file can be fixed and sent again.
    """
    report = CsvImportReport()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            content = raw.decode("cp1252")
        except UnicodeDecodeError:
            report.errors.append((0, "Fichier illisible : enregistrez-le en CSV UTF-8."))
            return report
    if not content.strip():
        report.errors.append((0, "Le fichier est vide."))
        return report
    reader = csv.reader(io.StringIO(content), delimiter=_delimiter(content.splitlines()[0]), doublequote=True,
                        quotechar='"', skipinitialspace=False, strict=False)
    header = [_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in next(reader)]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        report.errors.append((1, "Colonnes manquantes : " + ", ".join(missing)
                              + " (attendu : nom, prenom, email, cohorte)."))
        return report
    rows: list[tuple[int, dict[str, str]]] = []
    seen: dict[str, int] = {}
    for line_no, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        row = {name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(header)}
        problems = [f"« {col} » est vide" for col in CSV_COLUMNS if not row.get(col)]
        email = normalise_email(row.get("email", ""))
        if row.get("email"):
            try:
                validate_email(email, check_deliverability=False)
            except EmailNotValidError:
                problems.append(f"adresse « {row['email']} » invalide")
            if email in seen:
                problems.append(f"adresse déjà présente ligne {seen[email]}")
            elif find_user(email) is not None:
                problems.append(f"un compte existe déjà pour {email}")
            seen.setdefault(email, line_no)
        if problems:
            report.errors.append((line_no, " ; ".join(problems) + "."))
        else:
            rows.append((line_no, row | {"email": email}))
    if not rows and not report.errors:
        report.errors.append((2, "Aucune ligne de candidat dans le fichier."))
    if report.errors:
        return report
    try:
        for _, row in rows:
            password = generate_password()
            user = User(email=row["email"], first_name=row["prenom"], last_name=row["nom"],
                        must_change_password=True)
            user.set_password(password)
            user.set_roles([Role.CANDIDATE])
            user.cohorts.append(get_or_create_cohort(row["cohorte"]))
            db.session.add(user)
            report.created.append((user, password))
        record("user.import", details={"created": len(rows), "emails": [row["email"] for _, row in rows]},
               commit=False)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report
