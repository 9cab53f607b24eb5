"""The `rules` command: what a curator runs on cleaning_rules/ before a pipeline run.

    rules check   [--dir cleaning_rules]            validate every rule file, word list and reference
    rules test    [--dir cleaning_rules] [-k WORD]  run the examples each rule carries
    rules explain --rules cleaning_rules/sft.yaml --input FILE [--count 2000] [--against OLD_DIR] [--output explain.html]
                                                    what each rule does to a sample, as an HTML page

`python -m pipelines.curator ...` is the same command. Exit status 0 when all is well.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.core.rule_checks import check_dir, print_problems
from pipelines.curator.examples import run_examples
from pipelines.curator.explain import explain

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO / "cleaning_rules"


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="rules", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate every file under the rules folder")
    check.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="the rules folder (default: cleaning_rules/)")
    test = sub.add_parser("test", help="run the examples the rules carry")
    test.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="the rules folder (default: cleaning_rules/)")
    test.add_argument("-k", dest="keyword", default=None, help="only rules whose id contains this")
    test.add_argument("-v", "--verbose", action="store_true", help="list every example, not only failures")
    explain = sub.add_parser("explain", help="what each rule does to a sample of records, as an HTML page")
    explain.add_argument("--rules", type=Path, required=True, help="a rules file: cleaning_rules/sft.yaml or pretrain.yaml")
    explain.add_argument("--input", required=True, help="a JSONL file (or a sources file) to sample from")
    explain.add_argument("--format", default=None, help="SFT record format of --input (default: alpaca; pretraining: jsonl)")
    explain.add_argument("--count", type=int, default=2000, help="how many records to read (default 2000)")
    explain.add_argument("--against", type=Path, default=None, help="an older rules folder to compare with")
    explain.add_argument("--output", type=Path, default=Path("explain.html"), help="the HTML page to write")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "check":
        return print_problems(check_dir(args.dir))
    if args.command == "test":
        return run_examples(args.dir, args.keyword, args.verbose)
    return explain(args)


if __name__ == "__main__":
    sys.exit(main())
