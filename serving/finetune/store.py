"""The fine-tuning state in SQLite (the same database as the API keys) and on disk under the data
folder: files/<file id> (uploads and result files), jobs/<job id>/ (the job's pipeline output,
adapter and checkpoints). The server and the worker process share it; nothing lives only in
memory, so a restart loses nothing. Objects come out in OpenAI's shapes."""
from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from serving.keys import connect

JOB_STATES = ("validating_files", "queued", "running", "succeeded", "failed", "cancelled")
FINISHED = ("succeeded", "failed", "cancelled")
MAX_ATTEMPTS = 3          # a job interrupted this many times fails instead of resuming again


def _now() -> int:
    return int(time.time())


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(12)}"


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def db(self) -> Path:
        return self.root / "serving.db"

    def file(self, file_id: str) -> Path:
        return self.root / "files" / file_id

    def job(self, job_id: str) -> Path:
        return self.root / "jobs" / job_id


class Store:
    def __init__(self, data_dir: str | Path):
        self.paths = Paths(Path(data_dir))
        (self.paths.root / "files").mkdir(parents=True, exist_ok=True)
        (self.paths.root / "jobs").mkdir(parents=True, exist_ok=True)
        self.con = connect(self.paths.db)
        self.con.executescript("""
            CREATE TABLE IF NOT EXISTS files (id TEXT PRIMARY KEY, owner TEXT NOT NULL, filename TEXT NOT NULL,
                purpose TEXT NOT NULL, bytes INTEGER NOT NULL, created_at INTEGER NOT NULL, meta TEXT NOT NULL,
                deleted INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, owner TEXT NOT NULL, model TEXT NOT NULL,
                training_file TEXT NOT NULL, suffix TEXT, hyperparameters TEXT NOT NULL, status TEXT NOT NULL,
                created_at INTEGER NOT NULL, finished_at INTEGER, fine_tuned_model TEXT, error TEXT,
                result_files TEXT NOT NULL DEFAULT '[]', trained_tokens INTEGER, attempts INTEGER NOT NULL DEFAULT 0,
                seed INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL,
                job_id TEXT NOT NULL, created_at INTEGER NOT NULL, level TEXT NOT NULL, message TEXT NOT NULL,
                data TEXT);
            CREATE INDEX IF NOT EXISTS events_job ON events (job_id, seq);
        """)

    # ------------------------------------------------------------------ files
    def add_file(self, owner: str, filename: str, purpose: str, content: bytes, meta: dict) -> dict:
        file_id = new_id("file")
        self.paths.file(file_id).write_bytes(content)
        self.con.execute("INSERT INTO files (id, owner, filename, purpose, bytes, created_at, meta) VALUES (?,?,?,?,?,?,?)",
                         (file_id, owner, filename, purpose, len(content), _now(), json.dumps(meta)))
        return self.get_file(owner, file_id)

    def add_result_file(self, owner: str, filename: str, source: Path) -> str:
        return self.add_file(owner, filename, "fine-tune-results", source.read_bytes(), {})["id"]

    def _file_row(self, owner: str, file_id: str):
        return self.con.execute("SELECT id, filename, purpose, bytes, created_at, meta FROM files "
                                "WHERE id = ? AND owner = ? AND deleted = 0", (file_id, owner)).fetchone()

    @staticmethod
    def _file_obj(row) -> dict:
        return {"id": row[0], "object": "file", "bytes": row[3], "created_at": row[4], "filename": row[1],
                "purpose": row[2], "status": "processed", "status_details": None}

    def get_file(self, owner: str, file_id: str) -> dict | None:
        row = self._file_row(owner, file_id)
        return self._file_obj(row) if row else None

    def file_meta(self, owner: str, file_id: str) -> dict | None:
        row = self._file_row(owner, file_id)
        return json.loads(row[5]) if row else None

    def list_files(self, owner: str, purpose: str | None = None) -> list[dict]:
        rows = self.con.execute("SELECT id, filename, purpose, bytes, created_at, meta FROM files WHERE owner = ? "
                                "AND deleted = 0 AND (? IS NULL OR purpose = ?) ORDER BY created_at DESC, id",
                                (owner, purpose, purpose)).fetchall()
        return [self._file_obj(r) for r in rows]

    def delete_file(self, owner: str, file_id: str) -> bool:
        if self._file_row(owner, file_id) is None:
            return False
        self.con.execute("UPDATE files SET deleted = 1 WHERE id = ?", (file_id,))
        self.paths.file(file_id).unlink(missing_ok=True)
        return True

    # ------------------------------------------------------------------ jobs
    def add_job(self, owner: str, model: str, training_file: str, suffix: str | None, hyperparameters: dict,
                seed: int) -> dict:
        job_id = new_id("ftjob")
        self.con.execute("INSERT INTO jobs (id, owner, model, training_file, suffix, hyperparameters, status, "
                         "created_at, seed) VALUES (?,?,?,?,?,?,?,?,?)",
                         (job_id, owner, model, training_file, suffix, json.dumps(hyperparameters), "queued", _now(), seed))
        self.event(job_id, f"Created fine-tuning job: {job_id}")
        return self.get_job(owner, job_id)

    _JOB_COLUMNS = ("id, owner, model, training_file, suffix, hyperparameters, status, created_at, finished_at, "
                    "fine_tuned_model, error, result_files, trained_tokens, attempts, seed")

    def _job_obj(self, row) -> dict:
        (jid, _owner, model, training_file, suffix, hyper, status, created, finished, ftm, error, results,
         tokens, _attempts, seed) = row
        return {"id": jid, "object": "fine_tuning.job", "created_at": created, "finished_at": finished,
                "model": model, "fine_tuned_model": ftm, "organization_id": "local", "result_files": json.loads(results),
                "status": status, "validation_file": None, "training_file": training_file,
                "hyperparameters": json.loads(hyper), "trained_tokens": tokens,
                "error": json.loads(error) if error else None, "seed": seed, "suffix": suffix,
                "estimated_finish": None, "integrations": [],
                "method": {"type": "supervised", "supervised": {"hyperparameters": json.loads(hyper)}}}

    def job_row(self, job_id: str):
        return self.con.execute(f"SELECT {self._JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()

    def get_job(self, owner: str, job_id: str) -> dict | None:
        row = self.job_row(job_id)
        return self._job_obj(row) if row and row[1] == owner else None

    def list_jobs(self, owner: str, after: str | None = None, limit: int = 20) -> tuple[list[dict], bool]:
        rows = self.con.execute(f"SELECT {self._JOB_COLUMNS} FROM jobs WHERE owner = ? ORDER BY created_at DESC, id DESC",
                                (owner,)).fetchall()
        if after:
            ids = [r[0] for r in rows]
            rows = rows[ids.index(after) + 1:] if after in ids else []
        return [self._job_obj(r) for r in rows[:limit]], len(rows) > limit

    def set_status(self, job_id: str, status: str, *, error: dict | None = None, fine_tuned_model: str | None = None,
                   trained_tokens: int | None = None, only_from: tuple[str, ...] | None = None) -> bool:
        """Moves a job to `status` (from one of `only_from` when given); False when it was not there."""
        assert status in JOB_STATES
        finished = _now() if status in FINISHED else None
        sql = ("UPDATE jobs SET status = ?, finished_at = COALESCE(?, finished_at), error = COALESCE(?, error), "
               "fine_tuned_model = COALESCE(?, fine_tuned_model), trained_tokens = COALESCE(?, trained_tokens) WHERE id = ?")
        args = [status, finished, json.dumps(error) if error else None, fine_tuned_model, trained_tokens, job_id]
        if only_from:
            sql += f" AND status IN ({','.join('?' * len(only_from))})"
            args += list(only_from)
        return self.con.execute(sql, args).rowcount == 1

    def status(self, job_id: str) -> str | None:
        row = self.con.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return row[0] if row else None

    def add_result(self, job_id: str, file_id: str) -> None:
        row = self.con.execute("SELECT result_files FROM jobs WHERE id = ?", (job_id,)).fetchone()
        self.con.execute("UPDATE jobs SET result_files = ? WHERE id = ?", (json.dumps(json.loads(row[0]) + [file_id]), job_id))

    def claim_next(self) -> str | None:
        """The oldest queued job, now running (attempt counted); None when none is queued."""
        with self.con:
            self.con.execute("BEGIN IMMEDIATE")
            row = self.con.execute("SELECT id FROM jobs WHERE status = 'queued' ORDER BY created_at, rowid LIMIT 1").fetchone()
            if row is None:
                return None
            self.con.execute("UPDATE jobs SET status = 'running', attempts = attempts + 1 WHERE id = ?", (row[0],))
        return row[0]

    def requeue(self, job_id: str) -> bool:
        """A running job back to the queue, its attempt not counted (the worker was told to stop)."""
        return self.con.execute("UPDATE jobs SET status = 'queued', attempts = MAX(attempts - 1, 0) "
                                "WHERE id = ? AND status = 'running'", (job_id,)).rowcount == 1

    def interrupted(self) -> list[tuple[str, int]]:
        return self.con.execute("SELECT id, attempts FROM jobs WHERE status = 'running'").fetchall()

    def fine_tuned(self, owner: str, name: str) -> tuple[str, Path] | None:
        """(job id, adapter folder) of the succeeded job that made model `name` for this owner."""
        row = self.con.execute("SELECT id FROM jobs WHERE fine_tuned_model = ? AND owner = ? AND status = 'succeeded'",
                               (name, owner)).fetchone()
        return (row[0], self.paths.job(row[0]) / "model") if row else None

    def fine_tuned_models(self, owner: str) -> list[tuple[str, int, str]]:
        return self.con.execute("SELECT fine_tuned_model, finished_at, model FROM jobs WHERE owner = ? AND "
                                "status = 'succeeded' ORDER BY finished_at", (owner,)).fetchall()

    # ------------------------------------------------------------------ events
    def event(self, job_id: str, message: str, level: str = "info", data: dict | None = None) -> None:
        self.con.execute("INSERT INTO events (id, job_id, created_at, level, message, data) VALUES (?,?,?,?,?,?)",
                         (new_id("ftevent"), job_id, _now(), level, message, json.dumps(data) if data else None))

    def events(self, job_id: str, after: str | None = None, limit: int = 20) -> tuple[list[dict], bool]:
        """Newest first, as OpenAI lists them; `after` is an event id (page on from it, older)."""
        rows = self.con.execute("SELECT seq, id, created_at, level, message, data FROM events WHERE job_id = ? "
                                "ORDER BY seq DESC", (job_id,)).fetchall()
        if after:
            ids = [r[1] for r in rows]
            rows = rows[ids.index(after) + 1:] if after in ids else []
        out = [{"object": "fine_tuning.job.event", "id": r[1], "created_at": r[2], "level": r[3], "message": r[4],
                "data": json.loads(r[5]) if r[5] else {}, "type": "metrics" if r[5] and "step" in r[5] else "message"}
               for r in rows[:limit]]
        return out, len(rows) > limit
