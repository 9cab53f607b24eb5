"""Knowledge bases through the API ("Rethink"): create, add documents cleaned by the pretraining
pipeline's rules, search with mixture weights, chat with references (plain and streamed),
persistence across a restart, owners, bad requests, make kb's command and the page."""
import json
import subprocess
import sys

import pytest

from tests.conftest import REPO, headless_chrome, needs_browser
from tests.test_serving_api import Server

httpx = pytest.importorskip("httpx")
openai = pytest.importorskip("openai")

WIKI = REPO / "pipelines" / "samples" / "pretrain" / "zh_wiki" / "part-00000.jsonl"
PAGE = ("<html><head><title>Pandas</title></head><body><nav>Home | About</nav><article><h1>Giant pandas</h1>"
        "<p>The giant panda is a bear species endemic to China. It is characterised by its bold black-and-white coat "
        "and rotund body. The name giant panda is sometimes used to distinguish it from the red panda.</p>"
        "<p>Pandas eat bamboo for most of the day and live in mountain forests of Sichuan, Shaanxi and Gansu. "
        "Conservation work has raised the wild population over the last decades.</p></article>"
        "<footer>Copyright</footer></body></html>")


@pytest.fixture(scope="module")
def lm(tmp_path_factory):
    from serving.loader import load
    from serving.tiny import build_tiny_model
    return load(str(build_tiny_model(tmp_path_factory.mktemp("kb") / "tiny", context_length=1024)), device="cpu")


def _app(lm, data_dir):
    from serving.api import create_app
    return create_app(lm, data_dir=data_dir, run_worker=False)


@pytest.fixture(scope="module")
def kb_server(lm, tmp_path_factory):
    data = tmp_path_factory.mktemp("kbdata") / "data"
    with Server(_app(lm, data)) as s:
        url = s.url
        r = httpx.post(f"{url}/v1/knowledge_bases", json={"name": "wiki", "chunk_size": 120, "chunk_overlap": 20,
                                                          "top_k": 2, "weights": {"lexical": 0.7, "dense": 0.3}})
        assert r.status_code == 200, r.text
        added = httpx.post(f"{url}/v1/knowledge_bases/wiki/documents",
                           files={"file": ("wiki.jsonl", b"".join(WIKI.read_bytes().splitlines(True)[:6]))}, timeout=180)
        assert added.status_code == 200, added.text
        yield s, data, added.json()


def test_documents_are_cleaned_by_the_pipelines_rules_and_chunked(kb_server):
    server, _, added = kb_server
    assert added["documents"] >= 4 and added["chunks"] >= added["documents"]
    assert added["added"]["read"] == 6 and added["added"]["kept"] + added["added"]["rejected"] + added["added"]["dead_letter"] == 6
    hits = httpx.post(f"{server.url}/v1/knowledge_bases/wiki/search", json={"query": "长江有多长"}).json()["data"]
    assert len(hits) == 2 and hits[0]["document_id"] == "zh_wiki-0000"
    assert "长江" in hits[0]["text"] and "長江" not in hits[0]["text"]          # Traditional -> Simplified, as curated
    assert hits[0]["score"] >= hits[1]["score"] and {"source", "position", "start", "end"} <= set(hits[0])
    page = httpx.post(f"{server.url}/v1/knowledge_bases/wiki/documents", files={"file": ("pandas.html", PAGE.encode())},
                      timeout=180).json()
    assert page["added"]["kept"] == 1
    found = httpx.post(f"{server.url}/v1/knowledge_bases/wiki/search", json={"query": "giant panda bamboo", "top_k": 1}).json()
    assert found["data"][0]["document_id"] == "pandas" and "Copyright" not in found["data"][0]["text"]
    nothing = httpx.post(f"{server.url}/v1/knowledge_bases/wiki/documents", json={"documents": [{"text": "hi"}]},
                         timeout=180).json()
    assert nothing["added"]["kept"] == 0 and nothing["added"]["rejected"] == 1 and nothing["added"]["by_rule"]
    assert nothing["chunks"] == page["chunks"]                                   # the base is as it was
    empty = httpx.post(f"{server.url}/v1/knowledge_bases", json={"name": "empty"}).json()
    r = httpx.post(f"{server.url}/v1/knowledge_bases/{empty['id']}/documents", json={"documents": [{"text": "hi"}]},
                   timeout=180)
    assert r.status_code == 400 and "no document survived cleaning" in r.json()["error"]["message"]


def test_weights_from_the_request_decide_the_scores(kb_server):
    url = kb_server[0].url
    lexical = httpx.post(f"{url}/v1/knowledge_bases/wiki/search",
                         json={"query": "长江", "top_k": 3, "weights": {"lexical": 1, "dense": 0}}).json()["data"]
    dense = httpx.post(f"{url}/v1/knowledge_bases/wiki/search",
                       json={"query": "长江", "top_k": 3, "weights": {"lexical": 0, "dense": 1}}).json()["data"]
    assert all(h["score"] == pytest.approx(h["lexical_score"]) for h in lexical)
    assert all(h["score"] == pytest.approx(h["dense_score"]) for h in dense)


@pytest.mark.parametrize("path, body, status, param", [
    ("wiki/search", {"query": ""}, 400, "query"), ("wiki/search", {"query": "长江", "top_k": 0}, 400, "top_k"),
    ("wiki/search", {"query": "长江", "top_k": 51}, 400, "top_k"),
    ("wiki/search", {"query": "长江", "weights": {"lexical": -1}}, 400, "weights"),
    ("wiki/search", {"query": "长江", "weights": {"lexical": 0, "dense": 0}}, 400, "weights"),
    ("wiki/search", {"query": "长江", "colour": 1}, 400, "colour"), ("nope/search", {"query": "长江"}, 404, "knowledge_base"),
    ("wiki/documents", {"documents": []}, 400, "documents"), ("wiki/documents", {"documents": [{"id": "x"}]}, 400, "documents"),
])
def test_bad_requests_get_400_or_404_naming_the_field(kb_server, path, body, status, param):
    r = httpx.post(f"{kb_server[0].url}/v1/knowledge_bases/{path}", content=json.dumps(body),      # ASCII-escaped
                   headers={"Content-Type": "application/json"}, timeout=120)
    assert r.status_code == status and r.json()["error"]["param"] == param, r.text


@pytest.mark.parametrize("body, param", [({"name": "b1", "chunk_size": 1e400}, "chunk_size"),
                                         ({"name": "b2", "chunk_size": 25.5}, "chunk_size"),
                                         ({"name": "b3", "chunk_overlap": -1}, "chunk_overlap"),
                                         ({"name": "b4", "chunk_size": 30, "chunk_overlap": 30}, "chunk_size"),
                                         ({"name": "", "top_k": 3}, "name"), ({"name": "b5", "top_k": 0}, "top_k"),
                                         ({"name": "b6", "weights": {"lexical": "x"}}, "weights"),
                                         ({"name": "wiki"}, "name")])
def test_bad_knowledge_base_settings_are_refused_and_the_list_stays_readable(kb_server, body, param):
    url = kb_server[0].url
    r = httpx.post(f"{url}/v1/knowledge_bases", content=json.dumps(body).replace("Infinity", "1e400"),
                   headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["param"] == param, r.text
    assert httpx.get(f"{url}/v1/knowledge_bases").status_code == 200


def test_chat_answers_with_references_plain_and_streamed(kb_server):
    server = kb_server[0]
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="x", max_retries=0, timeout=60)
    ask = {"model": "tiny", "messages": [{"role": "user", "content": "长江有多长"}], "max_tokens": 4}
    plain = client.chat.completions.create(**ask)
    with_kb = client.chat.completions.create(**ask, extra_body={"knowledge_base": {"id": "wiki", "top_k": 1,
                                                                                   "prompt_prefix": "资料：\n"}})
    refs = with_kb.model_extra["references"]
    assert [r["index"] for r in refs] == [1] and refs[0]["document_id"] == "zh_wiki-0000"
    assert with_kb.usage.prompt_tokens > plain.usage.prompt_tokens + 20          # the chunk went into the prompt
    chunks = list(client.chat.completions.create(**ask, stream=True, extra_body={"knowledge_base": "wiki"}))
    assert chunks[0].model_extra["references"][0]["document_id"] == "zh_wiki-0000"
    assert all("references" not in c.model_extra for c in chunks[1:])
    for bad, param in (({"knowledge_base": "nope"}, "knowledge_base"), ({"knowledge_base": {"id": "wiki", "top_k": 99}},
                                                                       "knowledge_base.top_k"),
                       ({"knowledge_base": 5}, "knowledge_base")):
        r = httpx.post(f"{server.url}/v1/chat/completions", json={**ask, **bad})
        assert r.status_code in (400, 404) and r.json()["error"]["param"] == param, r.text


def test_references_are_fitted_into_a_small_context(lm, tmp_path):
    import dataclasses
    small = dataclasses.replace(lm, context_length=400)                 # the model itself is unchanged
    with Server(_app(small, tmp_path / "data")) as s:
        httpx.post(f"{s.url}/v1/knowledge_bases", json={"name": "w", "chunk_size": 300, "top_k": 3})
        httpx.post(f"{s.url}/v1/knowledge_bases/w/documents",
                   files={"file": ("wiki.jsonl", b"".join(WIKI.read_bytes().splitlines(True)[:3]))}, timeout=180)
        r = httpx.post(f"{s.url}/v1/chat/completions", json={
            "model": "tiny", "max_tokens": 4, "knowledge_base": {"id": "w", "prompt_prefix": "资料：\n"},
            "messages": [{"role": "user", "content": "长江有多长"}]}).json()
        refs = r["references"]
        assert len(refs) == 1 and refs[0]["truncated"] and refs[0]["document_id"] == "zh_wiki-0000"
        assert r["usage"]["prompt_tokens"] + 64 <= 400 and len(refs[0]["text"]) < 250


def test_a_restart_keeps_the_bases(kb_server, lm):
    server, data, _ = kb_server
    before = httpx.post(f"{server.url}/v1/knowledge_bases/wiki/search", json={"query": "长江", "top_k": 2}).json()["data"]
    with Server(_app(lm, data)) as again:
        after = httpx.post(f"{again.url}/v1/knowledge_bases/wiki/search", json={"query": "长江", "top_k": 2}).json()["data"]
        assert after == before and len(after) == 2


def test_keys_keep_bases_apart_and_another_site_cannot_change_them(lm, tmp_path):
    from serving.keys import KeyStore
    data = tmp_path / "data"
    _, alice = KeyStore(data / "serving.db").create("alice")
    _, bob = KeyStore(data / "serving.db").create("bob")
    with Server(_app(lm, data)) as s:
        headers = {"Authorization": f"Bearer {alice}"}
        assert httpx.get(f"{s.url}/v1/knowledge_bases").status_code == 401
        made = httpx.post(f"{s.url}/v1/knowledge_bases", headers=headers, json={"name": "mine"}).json()
        assert httpx.get(f"{s.url}/v1/knowledge_bases/{made['id']}", headers={"Authorization": f"Bearer {bob}"}
                         ).status_code == 404
        assert httpx.get(f"{s.url}/v1/knowledge_bases", headers={"Authorization": f"Bearer {bob}"}).json()["data"] == []
        forged = httpx.post(f"{s.url}/v1/knowledge_bases", headers={**headers, "Origin": "https://evil.example"},
                            json={"name": "planted"})
        assert forged.status_code == 403 and forged.json()["error"]["code"] == "forbidden_origin"
        plain = httpx.post(f"{s.url}/v1/knowledge_bases", headers={**headers, "Content-Type": "text/plain"},
                           content=b'{"name": "x"}')
        assert plain.status_code == 415
        assert httpx.delete(f"{s.url}/v1/knowledge_bases/{made['id']}", headers=headers).json()["deleted"]
        KeyStore(data / "serving.db").revoke("alice")
        KeyStore(data / "serving.db").revoke("bob")
        # revoking every key does not open the server again
        assert httpx.get(f"{s.url}/v1/knowledge_bases").status_code == 401


def test_make_kb_builds_a_base_from_a_pipeline_output(tmp_path):
    from retrieval.ingest import clean
    rows = [json.loads(line) | {"source": "wiki"} for line in WIKI.read_text(encoding="utf-8").splitlines()[:4]]
    clean([{k: r[k] for k in ("id", "text", "source")} for r in rows], "jsonl", tmp_path / "run")
    out = subprocess.run([sys.executable, "-m", "serving.knowledge", "build", "--output", str(tmp_path / "run" / "output"),
                          "--name", "sample", "--data-dir", str(tmp_path / "data")], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "knowledge base sample" in out.stdout and "chunks" in out.stdout
    from serving.knowledge import KnowledgeStore
    store = KnowledgeStore(tmp_path / "data")
    assert store.get("", "sample")["documents"] >= 3
    bad = subprocess.run([sys.executable, "-m", "serving.knowledge", "build", "--output", str(tmp_path / "none"),
                          "--name", "x", "--data-dir", str(tmp_path / "data")], cwd=REPO, capture_output=True, text=True,
                         timeout=300)
    assert bad.returncode == 2 and "--output" in bad.stderr


@needs_browser
def test_the_page_picks_a_knowledge_base_and_shows_the_references(kb_server):
    driver = headless_chrome(1200, 900)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
    try:
        driver.get(kb_server[0].url + "/")
        wait = WebDriverWait(driver, 60, poll_frequency=0.2)
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#kb option")) > 1)
        Select(driver.find_element(By.ID, "kb")).select_by_visible_text(
            next(o.text for o in driver.find_elements(By.CSS_SELECTOR, "#kb option") if o.text.startswith("wiki")))
        driver.find_element(By.ID, "max-tokens").clear()
        driver.find_element(By.ID, "max-tokens").send_keys("4")
        driver.find_element(By.ID, "input").send_keys("长江有多长")
        driver.find_element(By.ID, "send").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".msg.assistant .refs li") or d.find_elements(By.CSS_SELECTOR, ".msg.error"))
        assert not driver.find_elements(By.CSS_SELECTOR, ".msg.error"), driver.find_element(By.CSS_SELECTOR, ".msg.error").text
        refs = driver.find_elements(By.CSS_SELECTOR, ".msg.assistant .refs li")
        assert refs and "zh_wiki-0000" in refs[0].text and "长江" in refs[0].text
    finally:
        driver.quit()
