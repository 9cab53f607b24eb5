"""Serving stage: load a trained (or quantized) model and talk to it.

- `serving.loader.load(dir)`: model + tokenizer + generation config on the right device/dtype.
- `python -m serving.chat --model DIR`: terminal chat (streaming; `clear` empties the history,
  `exit` or Ctrl-D ends; `--base` continues text for base models).
- `python -m serving.api --model DIR`: OpenAI-style HTTP API; its `/` serves the web page in
  `serving/static/`.
"""
