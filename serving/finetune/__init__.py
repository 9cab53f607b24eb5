"""Fine-tuning as a service: uploaded files, jobs run by a worker process, the models they make.

store.py (SQLite state: files, jobs, events), formats.py (what an upload is), worker.py (runs one
job at a time: SFT pipeline, LoRA training, held-out loss, registration), routes.py (the
OpenAI-shaped /v1/files and /v1/fine_tuning/jobs endpoints).
"""
