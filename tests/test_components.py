"""Connected components: the pure star operations and the Beam transform agree, and chains merge."""
import random

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.util import assert_that, equal_to

from pipelines.beam.components import ConnectedComponents
from pipelines.graph import components, is_star_forest, rounds_needed, star_round


def run_beam(edges, rounds=12):
    expected_unconverged = []
    with beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"])) as p:
        out = p | beam.Create(edges) | ConnectedComponents(rounds)
        labels = components(edges, 100)
        assert_that(out["labels"], equal_to(sorted(labels.items())), label="labels")
        assert_that(out["unconverged"], equal_to(expected_unconverged), label="unconverged")


def test_a_chain_ends_in_one_cluster():
    labels = components([("d", "c"), ("b", "c"), ("a", "b")], rounds=10)
    assert labels == {"a": "a", "b": "a", "c": "a", "d": "a"}


def test_separate_clusters_stay_apart_and_self_loops_are_harmless():
    labels = components([("x1", "x2"), ("y1", "y2"), ("y2", "y3"), ("z", "z")], rounds=10)
    assert labels["x2"] == "x1" and labels["y3"] == "y1" and labels["z"] == "z"


def test_rounds_grow_with_the_log_of_the_chain():
    assert [rounds_needed(n) for n in (2, 16, 256, 4096)] == [1, 4, 8, 12]


@pytest.mark.parametrize("seed", range(3))
def test_random_graphs_match_a_union_find(seed):
    rng = random.Random(seed)
    edges = [(rng.randrange(300), rng.randrange(300)) for _ in range(250)]
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x
    for u, v in edges:
        ru, rv = find(u), find(v)
        parent[max(ru, rv)] = min(ru, rv)
    labels = components(edges, rounds=30)
    assert all(labels[n] == min(m for m in labels if find(m) == find(n)) for n in labels)
    edges_left = set(edges)
    for _ in range(30):
        edges_left = star_round(edges_left)
    assert is_star_forest(edges_left)


def test_beam_chain_star_and_empty_input():
    ids = [f"doc{i:03d}" for i in range(40)]
    random.Random(1).shuffle(ids)
    chain = list(zip(ids, ids[1:]))
    run_beam(chain + [("s0", f"s{i}") for i in range(1, 20)] + [("lone", "pair")])


def test_beam_empty_input():
    with beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"])) as p:
        out = p | beam.Create([]) | ConnectedComponents(3)
        assert_that(out["labels"], equal_to([]), label="labels")


def test_beam_reports_a_chain_too_long_for_its_rounds():
    def some(found):
        assert found and found[0] > 0, found

    ids = list(range(64))
    with beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"])) as p:
        out = p | beam.Create(list(zip(ids, ids[1:]))) | ConnectedComponents(rounds=2)
        assert_that(out["unconverged"] | beam.combiners.Count.Globally(), some)
