"""Training stage: Parquet corpora (read through their manifests) -> tokens -> the HF Trainer under DeepSpeed."""
