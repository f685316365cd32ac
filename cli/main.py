"""`soleus` command line: parse arguments, hand off to one module per command."""
from __future__ import annotations

import argparse
import importlib
import sys

from sensor.errors import SoleusError

# Each module has register(subparsers) that adds its command(s) and sets `func`.
COMMAND_MODULES = [
    "cli.analyze",
    "cli.log",
    "cli.simulate",
    "cli.live",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="soleus", description="Count calf raises and coach their tempo.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SoleusError as exc:
        print(f"soleus: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("soleus: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
