"""The SFT (instruction-tuning) corpus: source adapters, record rules, taxonomy (pure functions;
the Beam wiring lives in pipelines/beam/)."""
