"""Sign-in for writing (dashboard/auth.py, dashboard/users.py): reading is open, writing needs a role."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.errors import FramingError
from analysis.store import Store
from dashboard import ids
from dashboard.app import create_app
from dashboard.users import add_user, get_user, verify
from uploading import PASSWORD, post_upload, sign_in

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "store.db"
    with Store(path) as store:
        add_user(store, "alice", "coder", PASSWORD)
    return path


def test_passwords_are_stored_hashed_and_checked(db):
    raw = sqlite3.connect(db).execute("SELECT password_hash FROM users WHERE name = 'alice'").fetchone()[0]
    assert PASSWORD not in raw and raw.startswith(("scrypt:", "pbkdf2:"))
    with Store(db) as store:
        assert verify(store, "alice", PASSWORD).role == "coder"
        assert verify(store, "alice", "wrong password!!") is None and verify(store, "nobody", PASSWORD) is None
        with pytest.raises(FramingError, match="too short"):
            add_user(store, "bob", "coder", "short")
        with pytest.raises(FramingError, match="role 'editor'"):
            add_user(store, "bob", "editor", PASSWORD)


def test_users_command_adds_a_user_with_a_password_from_stdin(tmp_path):
    db = tmp_path / "cli.db"
    done = subprocess.run([sys.executable, "-m", "dashboard", "users", "add", "carol", "--role", "admin",
                           "--db", str(db), "--password-stdin"], input=PASSWORD + "\n", text=True,
                          capture_output=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    with Store(db) as store:
        assert get_user(store, "carol").role == "admin" and verify(store, "carol", PASSWORD)
    bad = subprocess.run([sys.executable, "-m", "dashboard", "users", "add", "bad name", "--role", "coder",
                          "--db", str(db), "--password-stdin"], input=PASSWORD + "\n", text=True,
                         capture_output=True, cwd=REPO)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_anonymous_visitors_read_but_cannot_upload(db, tmp_path):
    client = create_app(db, upload_dir=tmp_path / "uploads", secret_key="test-secret").server.test_client()
    page = client.get("/_dash-layout").get_data(as_text=True)
    assert ids.SIGN_IN in page and ids.SIGNED_IN_AS not in page
    assert '"disabled": true' in page.replace('"disabled":true', '"disabled": true')
    assert "as a coder or admin to add articles" in page


def test_a_signed_in_coder_can_upload_and_sign_out(db, tmp_path):
    client = create_app(db, upload_dir=tmp_path / "uploads", secret_key="test-secret").server.test_client()
    assert sign_in(client, password="wrong password!!").status_code == 401
    resp = sign_in(client)
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    page = client.get("/_dash-layout").get_data(as_text=True)
    assert "alice (coder)" in page and "choose files" in page
    client.post("/logout")
    assert "alice (coder)" not in client.get("/_dash-layout").get_data(as_text=True)


def test_login_needs_the_form_token_and_never_redirects_off_site(db, tmp_path):
    client = create_app(db, upload_dir=tmp_path / "uploads", secret_key="test-secret").server.test_client()
    forged = client.post("/login", data={"name": "alice", "password": PASSWORD})
    assert forged.status_code == 400 and "expired" in forged.get_data(as_text=True)
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        resp = sign_in(client, next_url=target)
        assert resp.headers["Location"] == "/", target


def test_without_a_secret_nobody_can_sign_in(db, tmp_path):
    client = create_app(db, upload_dir=tmp_path / "uploads").server.test_client()
    form = client.get("/login")
    assert form.status_code == 503 and "FRAMING_SECRET_KEY" in form.get_data(as_text=True)
    resp = client.post("/login", data={"name": "alice", "password": PASSWORD})
    assert resp.status_code == 503 and "FRAMING_SECRET_KEY" in resp.get_data(as_text=True)


def test_the_upload_callback_refuses_anonymous_writes_and_queues_a_coders(db, tmp_path):
    client = create_app(db, upload_dir=tmp_path / "uploads", secret_key="test-secret").server.test_client()
    anonymous = post_upload(client, {"talks.txt": b"Harbour talks\n\nOfficials met on Monday."})
    text = str(anonymous[ids.UPLOAD_MESSAGES]["children"])
    assert "refused" in text and "sign in as a coder or admin" in text
    assert ids.JOBS not in anonymous  # nothing queued
    with Store(db) as store:
        assert store.query("SELECT COUNT(*) FROM jobs")[0][0] == 0
    sign_in(client)
    signed = post_upload(client, {"talks.txt": b"Harbour talks\n\nOfficials met on Monday."})
    assert signed[ids.JOBS]["data"] and signed[ids.JOB_POLL]["disabled"] is False
    with Store(db) as store:
        assert store.query("SELECT submitted_by, status FROM jobs") == [("alice", "queued")]
