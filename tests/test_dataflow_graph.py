"""The same pipeline builds for Dataflow: a broken pickle or option shows up here, not on the cloud."""
import pickle

from apache_beam.internal import pickler

from pipelines.pretrain import run as pretrain
from tests.conftest import REPO, write_lines, write_sources


def test_dataflow_dry_run_builds_the_job_graph(tmp_path):
    write_lines(tmp_path / "a.jsonl", [{"id": "a", "text": "hello"}])
    sources = write_sources(tmp_path / "s.json", {"web": {"lang": "en", "category": "web", "files": ["a.jsonl", "gs://bucket/web/*.jsonl.gz"]}})
    result = pretrain.run([
        "--sources", str(sources), "--output", "gs://bucket/out",
        "--runner=DataflowRunner", "--project=test-project", "--region=us-central1",
        "--temp_location=gs://bucket/tmp", "--setup_file", str(REPO / "setup.py"),
        "--dry_run=True", "--no_auth", "--sdk_location=container",
    ])
    assert result["dry_run"]
    job = result["job"]
    names = {t.unique_name for t in job.proto_pipeline.components.transforms.values()}
    for step in ("Plan/PlanLanes", "Plan/Distribute", "CleanSplits", "Dedupe/WriteFiles", "Finish/WriteStats"):
        assert any(n == step or n.startswith(step + "/") for n in names), step
    # Runner-portable: no Beam file sinks, no side inputs (pipelines/beam/portable.py says why).
    assert not any("WriteToParquet" in n or "WriteToText" in n for n in names)
    for t in job.proto_pipeline.components.transforms.values():
        if t.spec.urn == "beam:transform:pardo:v1":
            from apache_beam.portability.api import beam_runner_api_pb2
            payload = beam_runner_api_pb2.ParDoPayload.FromString(t.spec.payload)
            assert not payload.side_inputs, t.unique_name
    options = job.options.get_all_options()
    assert options["project"] == "test-project" and options["setup_file"].endswith("setup.py")


def test_the_worker_config_pickles_and_works_after_the_trip(processor_config):
    from pipelines.beam.pretrain_transforms import PretrainCleaning
    from pipelines.pretrain.processor import DocumentProcessor
    from pipelines.core.readers import RawBatch

    batch = RawBatch("zh_web", "f.jsonl", "jsonl", [(1, '{"id": "a", "text": "今天天氣很好，我們去公園散步，看到很多花。"}'.encode()),
                                                  (2, b'{"id": "b", "text": "The library opens at nine in the morning."}'),
                                                  (3, b'not json')])
    shipped = pickler.loads(pickler.dumps(PretrainCleaning(processor_config))).config
    shipped_again = pickle.loads(pickle.dumps(processor_config))
    want = DocumentProcessor(processor_config).process(batch)
    for config in (shipped, shipped_again):
        got = DocumentProcessor(config).process(batch)
        assert got.documents == want.documents and got.rejected == want.rejected and got.counts == want.counts
