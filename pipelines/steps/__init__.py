"""The pipelines' per-record steps (pipelines/core/steps.py), one file per stage kind.

pretraining: html, normalize, script (Traditional -> Simplified), language, quality, sensitive;
SFT: sft_clean, sft_filters, sft_label; custom: steps named by import path in a rules file.
"""
