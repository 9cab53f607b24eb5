"""Fine-tuning without code: API keys, the files and fine-tuning endpoints driven with the official
openai client against a real server process on loopback (stopped by its pid), the worker's jobs
(SFT pipeline, LoRA, registration), cancel, a restart in the middle of a job, and the web page."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, free_port, headless_chrome, needs_browser

httpx = pytest.importorskip("httpx")
openai = pytest.importorskip("openai")

SAMPLE = REPO / "pipelines" / "samples" / "sft" / "alpaca_zh" / "part-00000.jsonl"


@pytest.fixture(scope="module")
def base_model(tmp_path_factory):
    from serving.tiny import build_tiny_model
    return build_tiny_model(tmp_path_factory.mktemp("ft") / "tiny-base", context_length=256)


class ServerProcess:
    """python -m serving.api as its own process, on a free loopback port; stop() ends it by its pid."""

    def __init__(self, model: Path, data_dir: Path, *extra: str):
        self.model, self.data_dir, self.extra = model, data_dir, extra
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        log = open(self.data_dir.parent / f"server-{self.port}.log", "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "serving.api", "--model", str(self.model), "--host", "127.0.0.1",
                                      "--port", str(self.port), "--data-dir", str(self.data_dir), "--log-level", "warning",
                                      *self.extra], cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 90
        while True:
            assert self.proc.poll() is None, f"server exited: {(self.data_dir.parent / f'server-{self.port}.log').read_text()[-2000:]}"
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            assert time.time() < deadline, "server did not become healthy"
            time.sleep(0.3)

    def worker_pid(self) -> int | None:
        lock = self.data_dir / "worker.lock"
        text = lock.read_text().strip() if lock.exists() else ""
        return int(text) if text.isdigit() else None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def client(self, key: str):
        return openai.OpenAI(base_url=f"{self.url}/v1", api_key=key, max_retries=0, timeout=60)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _wait_status(client, job_id, want, timeout=150):
    deadline = time.time() + timeout
    while True:
        job = client.fine_tuning.jobs.retrieve(job_id)
        if job.status in want:
            return job
        assert job.status not in ("failed", "cancelled", "succeeded"), (job.status, job.error)
        assert time.time() < deadline, f"job {job_id} still {job.status}"
        time.sleep(0.5)


def _create_key(db: Path, name: str) -> str:
    out = subprocess.run([sys.executable, "-m", "serving.keys", "--db", str(db), "create", "--name", name], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "only time it is shown" in out.stderr
    return out.stdout.strip()


# ------------------------------------------------------------------ keys
def test_key_store_keeps_only_a_salted_hash_and_revocation_counts_at_once(tmp_path):
    from serving.keys import KeyStore
    store = KeyStore(tmp_path / "s.db")
    key, secret = store.create("alice")
    assert store.verify(secret).id == key.id and store.verify(secret + "x") is None and store.verify("nonsense") is None
    raw = (tmp_path / "s.db").read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("s.db-*"))
    assert secret.split("-", 2)[2].encode() not in raw
    other = KeyStore(tmp_path / "s.db")            # another process's view, e.g. the CLI
    assert other.revoke("alice") == [key.id]
    assert store.verify(secret) is None and not store.any_active()


# ------------------------------------------------------------------ the whole path, restart, page
@pytest.fixture(scope="module")
def live(base_model, tmp_path_factory):
    data = tmp_path_factory.mktemp("serving") / "data"
    key = _create_key(data / "serving.db", "alice")
    other = _create_key(data / "serving.db", "bob")
    server = ServerProcess(base_model, data, "--rate-limit", "0").start()
    yield server, key, other
    server.stop()
    pid = server.worker_pid()
    assert pid is None or not _alive(pid), "the worker outlived its server"


def test_upload_fine_tune_chat_cancel_and_restart_with_the_official_client(live, base_model):
    server, key, _ = live
    client = server.client(key)
    base = base_model.name
    started = time.time()
    f = client.files.create(file=SAMPLE.open("rb"), purpose="fine-tune")
    assert f.object == "file" and f.bytes == SAMPLE.stat().st_size and f.purpose == "fine-tune"
    job = client.fine_tuning.jobs.create(training_file=f.id, model=base, suffix="demo", hyperparameters={"n_epochs": 2})
    assert job.status == "queued" and job.hyperparameters.n_epochs == 2
    second = client.fine_tuning.jobs.create(training_file=f.id, model=base)
    third = client.fine_tuning.jobs.create(training_file=f.id, model=base, suffix="third")
    assert client.fine_tuning.jobs.cancel(second.id).status == "cancelled"

    done = _wait_status(client, job.id, ("succeeded",))
    assert time.time() - started < 120, "the sample job took over two minutes"
    assert done.fine_tuned_model == f"ft:{base}:demo:{job.id}" and done.trained_tokens > 0
    messages = [e.message for e in client.fine_tuning.jobs.list_events(job.id, limit=100).data]
    assert any(m.startswith("line 30: dead letter (bad_json)") for m in messages)      # the sample's broken line
    assert any("Held-out loss" in m for m in messages) and messages[0] == "The job has successfully completed"
    report = client.files.content(done.result_files[0]).read()
    assert b"<html" in report[:200].lower()

    assert done.fine_tuned_model in [m.id for m in client.models.list().data]
    answer = client.chat.completions.create(model=done.fine_tuned_model, messages=[{"role": "user", "content": "你好"}],
                                            max_tokens=8, extra_body={"min_tokens": 2})
    assert answer.model == done.fine_tuned_model and answer.choices[0].message.content
    assert answer.usage.completion_tokens >= 2

    # a restart while the third job waits or trains: it completes afterwards
    assert client.fine_tuning.jobs.retrieve(third.id).status in ("queued", "running")
    worker = server.worker_pid()
    server.stop()
    assert worker and not _alive(worker)
    server.start()
    finished = _wait_status(server.client(key), third.id, ("succeeded",))
    assert finished.fine_tuned_model == f"ft:{base}:third:{third.id}"
    cancelled = server.client(key).fine_tuning.jobs.retrieve(second.id)
    assert cancelled.status == "cancelled" and cancelled.fine_tuned_model is None
    assert "Job cancelled by the user" in [e.message for e in server.client(key).fine_tuning.jobs.list_events(second.id).data]


def test_a_killed_server_leaves_no_worker_behind_and_the_job_completes_after_a_restart(live, base_model):
    server, key, _ = live
    client = server.client(key)
    f = client.files.create(file=SAMPLE.open("rb"), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(training_file=f.id, model=base_model.name, hyperparameters={"n_epochs": 6})
    deadline = time.time() + 120
    while not any(e.message.startswith("Step ") for e in client.fine_tuning.jobs.list_events(job.id, limit=100).data):
        assert time.time() < deadline, "training did not start"
        time.sleep(0.2)
    worker = server.worker_pid()
    server.proc.kill()                                   # no clean shutdown: the worker is orphaned
    server.proc.wait(10)
    deadline = time.time() + 60
    while _alive(worker):                                # it notices at its next training step and stops
        assert time.time() < deadline, "the orphaned worker kept running"
        time.sleep(0.2)
    server.start()
    done = _wait_status(server.client(key), job.id, ("succeeded",))
    messages = [e.message for e in server.client(key).fine_tuning.jobs.list_events(job.id, limit=100).data]
    assert any("resumes from its last checkpoint" in m for m in messages) and done.fine_tuned_model


def test_a_file_without_a_usable_record_fails_its_job_with_the_reason(live, base_model, tmp_path):
    server, key, _ = live
    client = server.client(key)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(json.dumps({"instruction": f"q{i}", "output": ""}) for i in range(3)) + "\n", encoding="utf-8")
    job = client.fine_tuning.jobs.create(training_file=client.files.create(file=bad.open("rb"), purpose="fine-tune").id,
                                         model=base_model.name)
    failed = _wait_status(client, job.id, ("failed",))
    assert "no usable record" in failed.error.message
    assert any(e.message.startswith("line 1: rejected") for e in client.fine_tuning.jobs.list_events(job.id).data)


def test_keys_owners_and_hostile_requests(live, base_model, tmp_path):
    server, key, other = live
    url = server.url
    assert httpx.get(f"{url}/health").status_code == 200 and httpx.get(f"{url}/").status_code == 200
    for headers in ({}, {"Authorization": "Bearer tb-00000000-nope"}, {"Authorization": "Basic abc"}):
        r = httpx.get(f"{url}/v1/models", headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    client, stranger = server.client(key), server.client(other)
    f = client.files.create(file=SAMPLE.open("rb"), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(training_file=f.id, model=base_model.name)
    client.fine_tuning.jobs.cancel(job.id)
    for call in (lambda: stranger.files.retrieve(f.id), lambda: stranger.fine_tuning.jobs.retrieve(job.id),
                 lambda: stranger.fine_tuning.jobs.list_events(job.id), lambda: stranger.files.content(f.id),
                 lambda: stranger.fine_tuning.jobs.cancel(job.id), lambda: stranger.files.delete(f.id)):
        with pytest.raises(openai.NotFoundError):
            call()
    assert f.id not in [x.id for x in stranger.files.list().data]
    with pytest.raises(openai.BadRequestError, match="training_file"):
        stranger.fine_tuning.jobs.create(training_file=f.id, model=base_model.name)
    with pytest.raises(openai.NotFoundError, match="model_not_found|does not exist"):
        stranger.chat.completions.create(model=f"ft:{base_model.name}::{job.id}", messages=[{"role": "user", "content": "hi"}])

    auth = {"Authorization": f"Bearer {key}"}
    cases = [
        (b"", "the file is empty"), (b"\xff\xfe\x00garbage", "line 1: not UTF-8"),
        (b"just some text\nmore text\n", "line 1: not valid JSON"),
        (b'{"foo": 1}\n{"bar": 2}\n', "line 1: a record with fields foo is in no known format"),
        (b"\n\n[1, 2]\n", "line 1: no line is a JSON object"),
    ]
    for content, message in cases:
        r = httpx.post(f"{url}/v1/files", headers=auth, data={"purpose": "fine-tune"}, files={"file": ("x.jsonl", content)})
        assert r.status_code == 400 and message in r.json()["error"]["message"], (content, r.text)
    r = httpx.post(f"{url}/v1/files", headers=auth, data={"purpose": "assistants"}, files={"file": ("x.jsonl", b"{}")})
    assert r.status_code == 400 and r.json()["error"]["param"] == "purpose"
    r = httpx.post(f"{url}/v1/files", headers={**auth, "Content-Type": "application/json"}, content=b"{}")
    assert r.status_code == 400
    jobs = f"{url}/v1/fine_tuning/jobs"
    for body, param in (({"training_file": f.id, "model": "gpt-4o"}, "model"),
                        ({"training_file": "file-nope", "model": base_model.name}, "training_file"),
                        ({"training_file": f.id, "model": base_model.name, "hyperparameters": {"n_epochs": 0}},
                         "hyperparameters.n_epochs"),
                        ({"training_file": f.id, "model": base_model.name, "hyperparameters": {"warmup": 3}},
                         "hyperparameters.warmup"),
                        ({"training_file": f.id, "model": base_model.name, "suffix": "a b/c"}, "suffix"),
                        ({"training_file": f.id, "model": base_model.name, "validation_file": f.id}, "validation_file"),
                        ({"training_file": f.id, "model": base_model.name, "colour": "red"}, "colour")):
        r = httpx.post(jobs, headers=auth, json=body)
        assert r.status_code == 400 and r.json()["error"]["param"] == param, (body, r.text)
    assert httpx.post(jobs, headers={**auth, "Content-Type": "application/json"}, content=b"{not json").status_code == 400
    for raw in (b'{"training_file": "\\ud800", "model": "x"}', b'{"training_file": "f", "model": "' + base_model.name.encode()
                + b'", "hyperparameters": {"n_epochs": 1' + b"0" * 400 + b'}}',
                b'{"training_file": "f", "method": {"supervised": "x"}}', b"[" * 100000):
        r = httpx.post(jobs, headers={**auth, "Content-Type": "application/json"}, content=raw)
        assert r.status_code == 400 and "error" in r.json(), (raw[:60], r.text)
    deep = httpx.post(f"{url}/v1/files", headers=auth, data={"purpose": "fine-tune"},
                      files={"file": ("x.jsonl", SAMPLE.read_bytes().splitlines(True)[0] + b"[" * 100000 + b"\n")})
    assert deep.status_code == 200                                            # a bad line is the job's dead letter
    uploaded_html = httpx.post(f"{url}/v1/files", headers=auth, data={"purpose": "fine-tune"},
                               files={"file": ("page.html", SAMPLE.read_bytes())}).json()
    served = httpx.get(f"{url}/v1/files/{uploaded_html['id']}/content", headers=auth)
    assert served.headers["content-type"] == "application/octet-stream" and "attachment" in served.headers["content-disposition"]
    forged = httpx.post(jobs, headers={**auth, "Origin": "https://evil.example"}, json={"training_file": f.id, "model": base_model.name})
    assert forged.status_code == 403
    assert httpx.post(f"{jobs}/{job.id}/cancel", headers=auth).status_code == 400          # already cancelled
    assert httpx.get(f"{jobs}?limit=0", headers=auth).status_code == 400
    assert httpx.get(f"{url}/health").status_code == 200

    # revoked with the CLI, refused on the next request, without a restart
    out = subprocess.run([sys.executable, "-m", "serving.keys", "--db", str(server.data_dir / "serving.db"), "revoke", "bob"],
                         cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    with pytest.raises(openai.AuthenticationError):
        stranger.models.list()


def test_rate_limit_answers_429_with_retry_after(base_model, tmp_path):
    from serving.keys import KeyStore
    data = tmp_path / "data"
    _, key = KeyStore(data / "serving.db").create("quick")
    server = ServerProcess(base_model, data, "--rate-limit", "3", "--no-fine-tuning").start()
    try:
        codes = [httpx.get(f"{server.url}/v1/models", headers={"Authorization": f"Bearer {key}"}) for _ in range(5)]
        assert [r.status_code for r in codes[:3]] == [200] * 3 and codes[3].status_code == 429
        assert int(codes[3].headers["retry-after"]) >= 1 and codes[3].json()["error"]["code"] == "rate_limit_exceeded"
    finally:
        server.stop()


def test_a_public_address_without_keys_is_refused(base_model, tmp_path):
    out = subprocess.run([sys.executable, "-m", "serving.api", "--model", str(base_model), "--host", "0.0.0.0",
                          "--port", str(free_port()), "--data-dir", str(tmp_path / "d")], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 2 and "create an API key first" in out.stderr


@needs_browser
def test_the_page_uploads_a_file_fine_tunes_and_chats_with_the_result(live, base_model):
    server, key, _ = live
    driver = headless_chrome(1200, 900)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
    try:
        driver.get(server.url + "/")
        key_input = driver.find_element(By.ID, "api-key")
        key_input.send_keys(key)
        driver.execute_script("arguments[0].dispatchEvent(new Event('change'))", key_input)
        wait = WebDriverWait(driver, 150, poll_frequency=0.5)
        wait.until(lambda d: d.find_element(By.ID, "model-name").text.startswith("model: "))
        driver.find_element(By.ID, "tab-finetune").click()
        driver.find_element(By.ID, "ft-file").send_keys(str(SAMPLE))
        Select(driver.find_element(By.ID, "ft-base")).select_by_value(base_model.name)
        driver.find_element(By.ID, "ft-suffix").send_keys("page")
        driver.find_element(By.ID, "ft-start").click()
        wait.until(lambda d: d.find_element(By.ID, "ft-status").text.startswith("Started "))
        job_id = driver.find_element(By.ID, "ft-status").text.split()[-1]
        row = f'#ft-jobs tr[data-job="{job_id}"]'
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"{row} .status-succeeded"))
        assert "New fine-tuned model created" in driver.find_element(By.ID, "ft-events").text
        driver.find_element(By.CSS_SELECTOR, f"{row} button.use-model").click()
        wait.until(lambda d: d.find_element(By.ID, "model-name").text.startswith(f"model: ft:{base_model.name}:page:"))
        driver.find_element(By.ID, "max-tokens").clear()
        driver.find_element(By.ID, "max-tokens").send_keys("6")
        driver.find_element(By.ID, "input").send_keys("你好")
        driver.find_element(By.ID, "send").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".msg.assistant") and
                   not d.find_elements(By.CSS_SELECTOR, ".msg.streaming") and d.find_element(By.ID, "send").is_enabled())
        assert not driver.find_elements(By.CSS_SELECTOR, ".msg.error"), \
            [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".msg.error")]
    finally:
        driver.quit()
