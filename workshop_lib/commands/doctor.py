"""`doctor`: check the whole sign-in chain on the settings' target and name the broken link (F1–F22)."""

from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_FINDINGS = 0, 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check the whole sign-in chain and say which link is broken")
    p.add_argument("--calls", action="store_true", help="also list the API calls the check made, by operation")
    p.add_argument(
        "--no-console",
        action="store_true",
        help="do not read console-only values from the sandbox's simulated console (verify them by eye)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print findings grouped by severity; exit 0 when nothing is wrong, 1 otherwise."""
    from workshop_lib.doctor import run_doctor

    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass
    report = run_doctor(console_settings=None if args.no_console else "auto")  # failures: cli.main's edge
    for line in report.lines():
        print(line)
    if args.calls:
        print("")
        print(f"API calls ({report.calls}):")
        for (service, operation), count in sorted(report.calls_by_operation.items()):
            print(f"  {service}:{operation} {count}")
    return EXIT_OK if report.ok else EXIT_FINDINGS
