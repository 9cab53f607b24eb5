"""API keys in SQLite: a key is shown once when created; only a salted hash is stored.

    python -m serving.keys create --name alice [--db out/serving/serving.db]    # prints the key once
    python -m serving.keys list
    python -m serving.keys revoke KEY_ID_OR_NAME

A key looks like `tb-<id>-<secret>`: the id (public, 8 hex) finds the row, the secret is
checked against scrypt(secret, salt). The server reads the store on every request, so a
revocation takes effect at once, without a restart.
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import secrets
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB = Path("out/serving/serving.db")
PREFIX = "tb"
_SCRYPT = {"n": 2 ** 12, "r": 8, "p": 1}       # ~5 ms a check: cheap per request, costly to brute-force


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    created: int
    revoked: int | None


def _hash(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, dklen=32, **_SCRYPT)


def connect(db: str | Path) -> sqlite3.Connection:
    """A connection with the tables of the serving state (WAL: the server and the job worker share it)."""
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(db), timeout=30, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA busy_timeout=30000")
    con.execute("""CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, salt BLOB NOT NULL,
                   hash BLOB NOT NULL, created INTEGER NOT NULL, revoked INTEGER)""")
    return con


class KeyStore:
    def __init__(self, db: str | Path = DEFAULT_DB):
        self.db = Path(db)
        self.con = connect(self.db)
        self._cache: dict[str, bytes] = {}     # full key -> its stored hash once verified: skips scrypt on repeats
        self._locked = False                   # any_key() once true

    def create(self, name: str) -> tuple[ApiKey, str]:
        name = name.strip()
        if not name:
            raise ValueError("a key needs a name")
        key_id, secret, salt = secrets.token_hex(4), secrets.token_urlsafe(24), secrets.token_bytes(16)
        now = int(time.time())
        self.con.execute("INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, NULL)", (key_id, name, salt, _hash(secret, salt), now))
        return ApiKey(key_id, name, now, None), f"{PREFIX}-{key_id}-{secret}"

    def list(self) -> list[ApiKey]:
        rows = self.con.execute("SELECT id, name, created, revoked FROM api_keys ORDER BY created, id").fetchall()
        return [ApiKey(*r) for r in rows]

    def any_key(self) -> bool:
        """Whether a key was ever made here (revoked ones count: the server stays locked). Once
        true it stays true, so the answer is kept and the database is no longer asked."""
        if not self._locked:
            self._locked = self.con.execute("SELECT 1 FROM api_keys LIMIT 1").fetchone() is not None
        return self._locked

    def any_active(self) -> bool:
        return self.con.execute("SELECT 1 FROM api_keys WHERE revoked IS NULL LIMIT 1").fetchone() is not None

    def active_ids(self, id_or_name: str) -> list[str]:
        """The ids of the active keys with this id or name."""
        rows = self.con.execute("SELECT id FROM api_keys WHERE (id = ? OR name = ?) AND revoked IS NULL ORDER BY created, id",
                                (id_or_name, id_or_name)).fetchall()
        return [r[0] for r in rows]

    def revoke(self, id_or_name: str) -> list[str]:
        ids = self.active_ids(id_or_name)
        self.con.executemany("UPDATE api_keys SET revoked = ? WHERE id = ?", [(int(time.time()), i) for i in ids])
        return ids

    def verify(self, key: str) -> ApiKey | None:
        """The active key this string is, or None (unknown, wrong secret, revoked, malformed)."""
        parts = key.split("-", 2)
        if len(parts) != 3 or parts[0] != PREFIX:
            return None
        row = self.con.execute("SELECT id, name, salt, hash, created, revoked FROM api_keys WHERE id = ?",
                               (parts[1],)).fetchone()
        if row is None or row[5] is not None:
            return None
        if self._cache.get(key) != row[3]:
            if not hmac.compare_digest(_hash(parts[2], row[2]), row[3]):
                return None
            self._cache[key] = row[3]
        return ApiKey(row[0], row[1], row[4], None)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m serving.keys", description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default=str(DEFAULT_DB), help=f"the serving state database (default {DEFAULT_DB})")
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("create", help="make a key and print it (once)").add_argument("--name", required=True)
    sub.add_parser("list", help="the keys: id, name, created, revoked")
    sub.add_parser("revoke", help="revoke a key by id or name").add_argument("key")
    args = ap.parse_args(argv)
    store = KeyStore(args.db)
    if args.command == "create":
        try:
            key, secret = store.create(args.name)
        except ValueError as e:
            ap.error(str(e))
        print(secret)
        print(f"key {key.id} ({key.name}) created; this is the only time it is shown", file=sys.stderr)
    elif args.command == "list":
        for k in store.list():
            state = "revoked " + time.strftime("%Y-%m-%d %H:%M", time.gmtime(k.revoked)) if k.revoked else "active"
            print(f"{k.id}  {k.name:<20} created {time.strftime('%Y-%m-%d %H:%M', time.gmtime(k.created))}  {state}")
    else:
        ids = store.revoke(args.key)
        if not ids:
            print(f"no active key with id or name {args.key!r}", file=sys.stderr)
            return 1
        print(f"revoked {', '.join(ids)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
