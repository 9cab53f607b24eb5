"""The same pipeline builds for Dataflow: a broken pickle or option shows up here, not on the cloud."""
import pickle

from apache_beam.internal import pickler

from pipelines import pretrain
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
    for step in ("PlanSplits", "Distribute", "ReadSplits", "ProcessBatches", "Write_data", "Write_rejected", "Write_dead_letter", "WriteStats"):
        assert any(n == step or n.startswith(step + "/") for n in names), step
    options = job.options.get_all_options()
    assert options["project"] == "test-project" and options["setup_file"].endswith("setup.py")


def test_the_worker_config_pickles(processor_config):
    from pipelines.beam.pretrain_transforms import ProcessBatches
    fn = pickler.loads(pickler.dumps(ProcessBatches(processor_config)))
    assert fn.config == processor_config
    assert pickle.loads(pickle.dumps(processor_config)) == processor_config
