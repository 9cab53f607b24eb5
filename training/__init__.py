"""Training stage: Parquet corpora -> tokens -> DeepSpeed training (see the issue tracker; not built yet)."""
