"""GPTQ quantization stage (llm-compressor, calibrated on a pipeline output) and its evaluation."""
