"""The dashboard's users: names, roles and password hashes in the store's `users` table.

Reading the dashboard needs no account; writing (uploading, and the coding and retraining that
build on it) needs a signed-in user whose role allows it. Passwords are hashed with Werkzeug's
`generate_password_hash` (scrypt, salted), never stored or logged in clear.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

from werkzeug.security import check_password_hash, generate_password_hash

from analysis.errors import FramingError

ROLES = ("coder", "admin")
WRITE_ROLES = frozenset(ROLES)  # who may upload
CORRECT_ROLES = frozenset({"admin"})  # who may change or remove uploaded articles (/uploads)
MIN_PASSWORD = 10
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked when a name is unknown, so that an unknown name takes as long as a wrong password
    (made on first use: a scrypt hash costs ~0.2 s, not worth paying at every import)."""
    return generate_password_hash("not a password of anyone")


@dataclass(frozen=True)
class User:
    name: str
    role: str

    @property
    def can_write(self) -> bool:
        return self.role in WRITE_ROLES

    @property
    def is_admin(self) -> bool:
        """Admins also adjudicate disagreements and retrain the article model (dashboard/coding.py)."""
        return self.role == "admin"

    @property
    def can_correct(self) -> bool:
        return self.role in CORRECT_ROLES


def check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise FramingError(f"user name {name!r}: use 1-64 letters, digits or . _ @ -")
    return name


def add_user(store, name: str, role: str, password: str) -> User:
    """Add a user, or set the role and password of an existing one."""
    check_name(name)
    if role not in ROLES:
        raise FramingError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise FramingError(f"password too short: at least {MIN_PASSWORD} characters")
    with store.transaction():
        store.execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash",
            (name, role, generate_password_hash(password), datetime.now(timezone.utc).isoformat(timespec="seconds")),
        )
    return User(name, role)


def remove_user(store, name: str) -> bool:
    with store.transaction():
        return store.execute("DELETE FROM users WHERE name = ?", (name,)) > 0


def get_user(store, name: str) -> User | None:
    rows = store.query("SELECT name, role FROM users WHERE name = ?", (str(name),))
    return User(*rows[0]) if rows else None


def list_users(store) -> list[User]:
    return [User(*r) for r in store.query("SELECT name, role FROM users ORDER BY name")]


def verify(store, name: str, password: str) -> User | None:
    """The user when the password is theirs, else None (in about the same time either way)."""
    rows = store.query("SELECT name, role, password_hash FROM users WHERE name = ?", (str(name)[:64],))
    if not rows:
        check_password_hash(_dummy_hash(), str(password))
        return None
    name, role, hashed = rows[0]
    return User(name, role) if check_password_hash(hashed, str(password)) else None
