"""`event status`: the facilitator's view of every attendee on a JupyterHub, read through the hub's API."""

from __future__ import annotations

import argparse
import json
import os
import sys

from workshop_lib.event.hub import DEFAULT_HUB



def add_parser(sub: argparse._SubParsersAction) -> None:
    event = sub.add_parser("event", help="for facilitators: every attendee's progress on a JupyterHub")
    inner = event.add_subparsers(dest="event_command", metavar="ACTION")
    status = inner.add_parser("status", help="who is at which chapter, who is stuck and on what")
    status.add_argument("--hub", default=os.environ.get("WORKSHOP_HUB_URL", DEFAULT_HUB),
                        help=f"the hub's address, as attendees open it (default: $WORKSHOP_HUB_URL or {DEFAULT_HUB})")
    status.add_argument("--fresh", action="store_true", help="wait for every attendee's server to check again (default: its last check, at most "
                        "WORKSHOP_STATUS_MAX_AGE seconds old, and a new one starts)")
    status.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    status.add_argument("--width", type=int, default=160, help="cut table lines to this many characters")
    status.set_defaults(func=run_status)
    event.set_defaults(func=lambda _args: _usage(event))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run_status(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from workshop_lib.event.hub import Hub, hub_token
    from workshop_lib.event.view import table

    rows = Hub(args.hub, hub_token()).statuses(fresh=args.fresh)
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
    elif not rows:
        print("No attendees on this hub yet.")
    else:
        print(table(rows, width=args.width))
    return 1 if any(r.progress and r.progress.stuck for r in rows) else 0
