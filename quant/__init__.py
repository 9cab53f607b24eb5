"""GPTQ quantization stage (see the issue tracker; not built yet)."""
