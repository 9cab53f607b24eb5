"""serving.chat (fit_history, the terminal chat through a pseudo-terminal) and the web page
(serving/static/index.html, in headless Chromium against `python -m serving.api`)."""
from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from serving.tiny import build_tiny_model
from tests.conftest import free_port, headless_chrome, needs_browser

REPO = Path(__file__).resolve().parent.parent


def _env() -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               PYTHONUNBUFFERED="1", TERM="dumb", PYTHONIOENCODING="utf-8",
               OMP_NUM_THREADS="2", MKL_NUM_THREADS="2")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("serving") / "tiny-chat", context_length=256)


@pytest.fixture(scope="module")
def lm(model_dir, launched):
    # `launched` first: the subprocesses start importing while the in-process tests run.
    from serving.loader import load
    return load(str(model_dir), device="cpu")


# ---------------------------------------------------------------------------- loader and fit_history
def test_loader(lm, model_dir, tmp_path):
    import torch

    from serving.loader import ModelLoadError, load
    assert lm.name == "tiny-chat" and lm.context_length == 256
    assert lm.device == torch.device("cpu") and lm.model.dtype == torch.float32
    assert not lm.model.training and lm.tokenizer.pad_token is not None
    with pytest.raises(ModelLoadError, match="not found"):
        load(str(tmp_path / "nope"))
    with pytest.raises(ModelLoadError, match="config.json"):
        load(str(tmp_path))


def _conversation(turns: int) -> list[dict]:
    msgs = [{"role": "system", "content": "You are a helpful assistant."}]
    for i in range(turns):
        msgs.append({"role": "user", "content": f"question number {i} about the tiger and the river"})
        msgs.append({"role": "assistant", "content": f"answer number {i}: the tiger swims in the river"})
    msgs.append({"role": "user", "content": "and the last question about the data?"})
    return msgs


def test_fit_history_drops_oldest_turns_first(lm):
    from serving.chat import fit_history, prompt_tokens
    tok, msgs = lm.tokenizer, _conversation(6)
    full = prompt_tokens(msgs, tok)
    assert fit_history(msgs, tok, full + 10, 10) == msgs                   # fits: nothing dropped

    budget_ctx = full - 1 + 20                                             # one token too many
    kept = fit_history(msgs, tok, budget_ctx, 20)
    assert kept[0] == msgs[0]                                              # system stays
    assert kept[-1] == msgs[-1]                                            # the last user message stays
    assert kept[1]["role"] == "user"                                       # whole exchanges dropped
    assert kept[1:] == msgs[len(msgs) - len(kept) + 1:]                    # a suffix: the oldest went
    assert len(kept) == len(msgs) - 2                                      # exactly the first exchange
    assert prompt_tokens(kept, tok) + 20 <= budget_ctx

    half = fit_history(msgs, tok, prompt_tokens(msgs[:1] + msgs[-5:], tok) + 7, 7)
    assert half == msgs[:1] + msgs[-5:]                                    # the two newest exchanges

    tiny = fit_history(msgs, tok, 8, 4)                                    # nothing fits: keep the question
    assert tiny == [msgs[0], msgs[-1]]
    no_system = fit_history(msgs[1:], tok, 8, 4)
    assert no_system == [msgs[-1]]
    assert fit_history([], tok, 100, 10) == []


def test_stream_generate_streams_pieces(lm):
    import io

    from serving.chat import encode_prompt, generation_kwargs, render_chat, stream_generate

    class Recorder(io.StringIO):
        writes = 0

        def write(self, s):
            Recorder.writes += 1
            return super().write(s)

    ids = encode_prompt(render_chat([{"role": "user", "content": "你好，老虎"}], lm.tokenizer), lm.tokenizer)
    gen = generation_kwargs(lm, 24, 0, 0.9, 1.0)
    out = Recorder()
    text = stream_generate(lm, ids, gen, out=out)
    assert out.getvalue() == text + "\n"
    again = stream_generate(lm, ids, gen, out=io.StringIO())
    assert again == text                                                   # temperature 0: greedy
    assert len(text) > 3                                                   # 24 tokens of something
    assert Recorder.writes > 2, "the answer came in one piece, not streamed"


# ---------------------------------------------------------------------------- the terminal chat (pty)
class PtyProcess:
    """A subprocess on a pseudo-terminal: what a user at a terminal sees and types."""

    def __init__(self, args: list[str]):
        master, slave = os.openpty()
        self.master = master
        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=str(REPO),
                                     env=_env(), close_fds=True, start_new_session=True)
        os.close(slave)
        self.buffer = ""
        self.pos = 0

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.master, 4096)
        except OSError:                            # EIO: the child closed the terminal
            return False
        if not data:
            return False
        self.buffer += data.decode("utf-8", errors="replace").replace("\r\n", "\n")
        return True

    def expect(self, pattern: str, timeout: float = 60) -> re.Match:
        """Waits for `pattern` (a regex) after what the previous expect matched; returns the match."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.S)
        while True:
            m = rx.search(self.buffer, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0 or (not self._read(min(left, 0.5)) and self.proc.poll() is not None
                             and not self._read(0.1)):
                raise AssertionError(f"{pattern!r} not seen; output so far:\n{self.buffer}")

    def send(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode("utf-8"))

    def wait(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.2)
        return self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


def _chat(model_dir, *extra) -> PtyProcess:
    return PtyProcess([sys.executable, "-m", "serving.chat", "--model", str(model_dir), "--temperature", "0",
                       "--max-new-tokens", "12", *extra])


@pytest.fixture(scope="module")
def launched(model_dir, tmp_path_factory):
    """Every subprocess of this module, started at once (each spends ~10 s importing torch and
    transformers): the chat, a second chat for Ctrl-D, the --base chat and the API server."""
    procs = {"chat": _chat(model_dir), "eof": _chat(model_dir, "--system", "You answer briefly."),
             "base": _chat(model_dir, "--base")}
    port = free_port()
    log = tmp_path_factory.mktemp("api") / "api.log"
    with open(log, "wb") as f:
        proc = subprocess.Popen([sys.executable, "-m", "serving.api", "--model", str(model_dir),
                                 "--host", "127.0.0.1", "--port", str(port)],
                                cwd=str(REPO), env=_env(), stdout=f, stderr=subprocess.STDOUT)
    api = procs["api"] = (proc, f"http://127.0.0.1:{port}", log)
    yield procs
    for name in ("chat", "eof", "base"):
        procs[name].close()
    api[0].terminate()
    try:
        api[0].wait(timeout=10)
    except subprocess.TimeoutExpired:
        api[0].kill()
        api[0].wait()


def test_terminal_chat_streams_clears_and_exits(launched):
    p = launched["chat"]
    p.expect(r"Type `clear`.*?User: ", timeout=90)
    p.send("hello tiger")
    first = p.expect(r"Assistant: (.*?)\nUser: ").group(1)
    p.send("tell me more about the river")
    p.expect(r"Assistant: (.*?)\nUser: ")
    p.send("clear")
    p.expect(r"\[history cleared\]\nUser: ")
    p.send("hello tiger")                      # the same first question, on an empty history
    again = p.expect(r"Assistant: (.*?)\nUser: ").group(1)
    assert again == first, "greedy decoding after `clear` should repeat the first answer"
    p.send("exit")
    assert p.wait() == 0


def test_terminal_chat_eof_ends(launched):
    p = launched["eof"]
    p.expect(r"User: ", timeout=90)
    os.write(p.master, b"\x04")                # Ctrl-D at an empty prompt
    assert p.wait() == 0


def test_terminal_base_mode_continues_text(launched):
    p = launched["base"]
    p.expect(r"text continuation.*?Text: ", timeout=90)
    p.send("The tiger swims in the")
    p.expect(r"Continuation: (.*?)\nText: ")
    p.send("clear")
    p.expect(r"no history.*?Text: ")
    p.send("exit")
    assert p.wait() == 0


def test_missing_model_folder_is_a_clear_error(tmp_path):
    r = subprocess.run([sys.executable, "-m", "serving.chat", "--model", str(tmp_path / "missing")],
                       cwd=str(REPO), env=_env(), capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "model folder not found" in r.stderr


# ---------------------------------------------------------------------------- the web page


@pytest.fixture(scope="module")
def api_server(launched):
    proc, base, log = launched["api"]
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(base + "/v1/models", timeout=2) as r:
                json.load(r)
            return base
        except OSError:                         # not listening yet, or 503 while the model loads
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the API did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)


def test_page_is_self_contained():
    html = (REPO / "serving" / "static" / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", html), "external resource in the page"
    for needle in ("/v1/chat/completions", "/v1/models", "stream: true", "[DONE]", "getReader"):
        assert needle in html


@needs_browser
def test_web_page_streams_an_answer(api_server):
    driver = headless_chrome(1200, 900)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    try:
        driver.get(api_server + "/")
        wait = WebDriverWait(driver, 30)
        wait.until(lambda d: d.find_element(By.ID, "model-name").text.startswith("model: "))
        assert "tiny-chat" in driver.find_element(By.ID, "model-name").text

        temp = driver.find_element(By.ID, "temperature")
        temp.clear()
        temp.send_keys("0")
        mt = driver.find_element(By.ID, "max-tokens")
        mt.clear()
        mt.send_keys("16")
        driver.find_element(By.ID, "input").send_keys("hello tiger")
        send = driver.find_element(By.ID, "send")
        send.click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".msg.user"))
        wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".msg.streaming") and send.is_enabled())
        errors = driver.find_elements(By.CSS_SELECTOR, ".msg.error")
        assert not errors, errors[0].text
        answers = driver.find_elements(By.CSS_SELECTOR, ".msg.assistant .text")
        assert len(answers) == 1
        text = driver.execute_script("return arguments[0].textContent", answers[0])
        assert text and text != "(empty answer)"       # a random tiny model may answer in whitespace
        assert driver.find_element(By.CSS_SELECTOR, ".msg.user .text").text == "hello tiger"

        driver.find_element(By.ID, "clear").click()
        assert not driver.find_elements(By.CSS_SELECTOR, ".msg")
        severe = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        assert not severe, severe
    finally:
        driver.quit()
