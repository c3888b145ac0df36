"""The ``connect-sso-workshop`` command. Exit codes: 0 success, 1 findings or failure, 2 usage error."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from workshop_lib.commands import COMMAND_MODULES

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line and exits 2, never with a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="connect-sso-workshop", description="Set up IAM Identity Center as the SAML identity provider for Amazon Connect.")
    from workshop_lib import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        print("connect-sso-workshop: choose a command, such as `status` or `sandbox start` (see --help).", file=sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # `... | head` closed the pipe: not an error worth a traceback
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the command's edge: every failure is a sentence (workshop_lib.edge)
        return _explain(exc)
    except KeyboardInterrupt as exc:
        return _explain(exc)


def _explain(exc: BaseException) -> int:
    """Print the sentence for ``exc`` (and, with CONNECT_SSO_WORKSHOP_DEBUG=1, its traceback); return the exit code."""
    import os

    from workshop_lib.edge import explain

    told = explain(exc)
    print(f"connect-sso-workshop: {told.sentence}", file=sys.stderr)
    if told.detail and os.environ.get("CONNECT_SSO_WORKSHOP_DEBUG"):
        print(told.detail, file=sys.stderr, end="")
    elif not told.expected:
        print("(Set CONNECT_SSO_WORKSHOP_DEBUG=1 to see the technical detail.)", file=sys.stderr)
    return told.exit_code

if __name__ == "__main__":
    sys.exit(main())
