"""The run manifest (OUT/manifest.json), typed and versioned, and its one reader.

Every pipeline run writes one, last and atomically (a folder with a manifest holds a finished
run); training, quantization and the benchmarks read pipeline outputs only through
:func:`read_manifest` / :func:`RunManifest.from_dict`, and never guess paths: the manifest lists
every Parquet file with its row count. Pure: no Beam (a gs:// manifest is read through Beam's
FileSystems, imported only then).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from pipelines.core import counters as C

MANIFEST = "manifest.json"
MANIFEST_VERSION = 2            # 1: untyped manifests (no manifest_version key), read as well
OUTPUT_DIRS = ("data", "rejected", "dead_letter", "sampled_out")
KINDS = ("pretrain", "sft", "dedupe")


class ManifestError(ValueError):
    """Not a finished pipeline output, or a manifest this code cannot read."""


@dataclass(frozen=True)
class FileRef:
    path: str
    sha256: str


@dataclass(frozen=True)
class OutputFile:
    path: str                   # relative to the output folder
    rows: int
    bytes: int = 0


@dataclass(frozen=True)
class Accounting:
    """records read = written + rejected + dead-lettered + sampled out, checked against the files too."""
    read: int = 0
    written: int = 0
    rejected: int = 0
    dead_letter: int = 0
    sampled_out: int = 0
    holds: bool = False
    rows_in_files: dict = field(default_factory=dict)
    files_as_reported: bool | None = None


def accounting(counts, outputs: dict[str, list[OutputFile]], reported: dict | None = None) -> Accounting:
    """counts: the run's counters ({Count: n}); outputs: the files on disk; `reported`: {kind: [{"path",
    "rows"}]} the files the pipeline says it wrote, which must be exactly the files on disk."""
    read, written, rejected, dead, sampled = (int(C.get(counts, C.total(t))) for t in C.TOTALS)
    rows = {k: sum(f.rows for f in outputs.get(k, [])) for k in OUTPUT_DIRS}
    holds = (read == written + rejected + dead + sampled and rows["data"] == written and rows["rejected"] == rejected
             and rows["dead_letter"] == dead and rows["sampled_out"] == sampled)
    as_reported = None
    if reported is not None:
        on_disk = {(k, f.path.rsplit("/", 1)[-1], f.rows) for k in OUTPUT_DIRS for f in outputs.get(k, [])}
        said = {(k, f["path"].rsplit("/", 1)[-1], f["rows"]) for k in OUTPUT_DIRS for f in reported.get(k, [])}
        as_reported = on_disk == said
        holds = holds and as_reported
    return Accounting(read, written, rejected, dead, sampled, holds, rows, as_reported)


@dataclass(frozen=True)
class RunManifest:
    kind: str                                   # pretrain | sft | dedupe
    schema_version: int                         # of the output tables (schemas/)
    output: str
    code_version: dict
    started: str
    finished: str
    seconds: float
    runner: str
    rules: FileRef
    counts: dict                                # counters.sections(): totals, by_rule, by_error, stages, steps, ...
    accounting: Accounting
    outputs: dict[str, list[OutputFile]]
    options: dict = field(default_factory=dict)  # the Beam options given
    sources_file: FileRef | None = None
    sources: dict = field(default_factory=dict)
    inputs: list = field(default_factory=list)   # every input file: source, path, bytes, splits
    input: str | None = None                     # dedupe: the --input pattern and the files it matched
    input_files: list = field(default_factory=list)
    dedupe: dict | None = None
    sampling: dict | None = None
    mix: dict | None = None                      # SFT: achieved vs target category shares
    manifest_version: int = MANIFEST_VERSION

    def to_dict(self) -> dict:
        """The JSON form; sections a run does not have are left out."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            out[f.name] = asdict(value) if hasattr(value, "__dataclass_fields__") else value
        out["accounting"] = {k: v for k, v in asdict(self.accounting).items() if v is not None}
        out["outputs"] = {k: [asdict(f) for f in files] for k, files in self.outputs.items()}
        return out

    @classmethod
    def from_dict(cls, data: dict, where: str = MANIFEST) -> "RunManifest":
        if not isinstance(data, dict):
            raise ManifestError(f"{where}: expected a JSON object")
        version = data.get("manifest_version", 1)
        if not isinstance(version, int) or version > MANIFEST_VERSION:
            raise ManifestError(f"{where}: manifest_version {version!r} is newer than this code reads ({MANIFEST_VERSION}); "
                                "update the project")
        if data.get("kind") not in KINDS:
            raise ManifestError(f"{where}: kind {data.get('kind')!r} is none of {', '.join(KINDS)}")
        known = {f.name for f in fields(cls)}
        missing = sorted({"kind", "accounting", "outputs"} - set(data))
        if missing:
            raise ManifestError(f"{where}: no {', '.join(missing)}: not a finished pipeline output")
        try:
            values = {k: v for k, v in data.items() if k in known}
            rules = data.get("rules") or {}
            values["rules"] = FileRef(rules.get("path", ""), rules.get("sha256", ""))
            if data.get("sources_file"):
                values["sources_file"] = FileRef(**data["sources_file"])
            values["accounting"] = Accounting(**{k: data["accounting"].get(k) for k in (f.name for f in fields(Accounting))
                                                 if k in data["accounting"]})
            values["outputs"] = {k: [OutputFile(**f) for f in files] for k, files in data["outputs"].items()}
            defaults = {"schema_version": 0, "output": "", "code_version": {}, "started": "", "finished": "", "seconds": 0.0,
                        "runner": "", "counts": {}}
            return cls(**{**defaults, **values, "manifest_version": MANIFEST_VERSION})
        except (TypeError, AttributeError, KeyError) as e:
            raise ManifestError(f"{where}: malformed manifest: {e}") from None

    def data_files(self, root: str) -> tuple[str, ...]:
        return tuple(f"{root.rstrip('/')}/{f.path}" for f in self.outputs.get("data", []))

    @property
    def data_rows(self) -> int:
        return sum(f.rows for f in self.outputs.get("data", []))


def read_manifest(root: str | Path) -> RunManifest:
    """The manifest of the pipeline output folder `root` (a local path or a gs:// URL)."""
    root = str(root).rstrip("/")
    path = f"{root}/{MANIFEST}"
    try:
        if "://" in root:
            from apache_beam.io.filesystems import FileSystems    # only for remote folders
            with FileSystems.open(path) as f:
                data = json.loads(f.read().decode("utf-8"))
        else:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path} not found: not a finished pipeline output (run `make run` or `make sft` first)") from None
    except (OSError, ValueError) as e:
        raise ManifestError(f"{path}: cannot read the manifest: {e}") from None
    return RunManifest.from_dict(data, path)
