"""Exact and near-duplicate removal ("tf-idf soft dedupe") and proportional sampling.

Pure, vectorised functions over Arrow tables and numpy arrays; the Beam layer
(pipelines/beam/dedupe_transforms.py) only shards, groups and joins them.
"""
