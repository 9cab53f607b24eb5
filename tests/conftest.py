import json
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# caches a run keeps between runs (the benchmark index) go to a folder of this test session, not ~/.cache
os.environ.setdefault("TIGERDATA_CACHE", tempfile.mkdtemp(prefix="tigerdata-test-cache-"))

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
needs_shared = pytest.mark.skipif(not (SHARED / "data").is_dir(), reason="../shared/data is not present")


def write_lines(path: Path, lines) -> Path:
    """Writes JSONL: dicts are dumped, str and bytes are written as they are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        for line in lines:
            if isinstance(line, dict):
                line = json.dumps(line, ensure_ascii=False)
            f.write((line.encode("utf-8") if isinstance(line, str) else line) + b"\n")
    return path


def free_port() -> int:
    """A free TCP port on loopback, for a server or cluster a test starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_sources(path: Path, sources: dict) -> Path:
    path.write_text(json.dumps(sources, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def processor_config():
    from pipelines.pretrain.processor import PretrainConfig
    from pipelines.core.rules import DEFAULT_RULES, RULES_SCHEMA
    from pipelines.core.rules import load_rules
    from pipelines.core.sources import Source

    rules = load_rules(DEFAULT_RULES, RULES_SCHEMA)
    sources = (Source("zh_web", "zh", "web", ("x",)), Source("en_web", "en", "web", ("x",)),
               Source("pages", "en", "web", ("x",), format="html", text_field="html"))
    return PretrainConfig.from_rules(rules.data, sources, DEFAULT_RULES.parent)


def rules_copy(folder: Path, edit=None) -> Path:
    """A copy of cleaning_rules/pretrain.yaml in `folder`, with the files it refers to made absolute,
    after `edit(rules)` changed what a test needs."""
    import yaml
    from pipelines.core.rules import DEFAULT_RULES

    base = DEFAULT_RULES.parent
    rules = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
    rules["quality"]["model"]["path"] = str(base / rules["quality"]["model"]["path"])
    for wl in rules["sensitive_words"]["lists"]:
        wl["paths"] = [str(base / p) for p in wl["paths"]]
        wl["allow_paths"] = [str(base / p) for p in wl.get("allow_paths", [])]
    if edit:
        edit(rules)
    path = Path(folder) / "rules.yaml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# ------------------------------------------------------------------ the browser tests' headless Chromium
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else shutil.which("chromedriver")
needs_browser = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                   reason="needs Debian's chromium and chromium-driver (.ci/run installs them)")


def headless_chrome(width: int = 1300, height: int = 900):
    """A headless Chromium under Selenium, keeping the browser's console log; the caller quits it."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
