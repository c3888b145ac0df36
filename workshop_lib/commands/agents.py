"""`agents import FILE.csv`: validate every row, then create the people's users and memberships in bulk.

Exit codes: 0 everything imported (or, with --dry-run, the file is valid); 1 problems in the file
(nothing created) or rows that failed (re-run to retry them); 2 usage errors such as a missing file.
"""

from __future__ import annotations

import argparse
import os
import sys

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
MAX_LINES = 50  # problems or failures printed before "… and N more"


def add_parser(sub: argparse._SubParsersAction) -> None:
    agents = sub.add_parser("agents", help="onboard many agents and administrators from a CSV file")
    actions = agents.add_subparsers(dest="agents_command", metavar="ACTION", parser_class=type(agents))
    agents.set_defaults(func=lambda _args: _usage(agents))

    imp = actions.add_parser(
        "import",
        help="validate a CSV of first name, last name, email, role; then create what is missing",
        description="Columns: first name, last name, email, role (agent or admin); common spellings such as first_name or "
        "'Given name' work too. Every row is checked before anything is created; a re-run creates only what is missing.",
    )
    imp.add_argument("file", metavar="FILE.csv", help="the CSV file (UTF-8, or as Excel saves it)")
    imp.add_argument("--dry-run", action="store_true", help="validate and say what would be created; change nothing")
    imp.add_argument("--workers", type=_workers, default=None, help="parallel requests, 1-16 (default 6)")
    imp.set_defaults(func=run_import)

    template = actions.add_parser("template", help="print an example CSV to start from")
    template.set_defaults(func=run_template)


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 1 <= value <= 16:
        raise argparse.ArgumentTypeError("choose between 1 and 16")
    return value


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def run_template(args: argparse.Namespace) -> int:
    from workshop_lib.agents import EXAMPLE_CSV

    sys.stdout.write(EXAMPLE_CSV)
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    from workshop_lib import settings as settings_mod
    from workshop_lib.agents import load_agents_file
    from workshop_lib.context import Context
    from workshop_lib.chapters.people import everyone, import_people
    from workshop_lib.errors import WorkshopError

    settings_mod.apply_environment()
    ctx = Context()
    existing = [(p.email, p.role) for p in everyone(ctx)]
    checked = load_agents_file(args.file, existing=existing)  # a missing file is an InputError: exit 2
    print(f"{args.file}: {checked.summary()}")
    for note in checked.notes:
        print(f"  note: {note}")
    if checked.problems:
        _print_lines([p.line() for p in checked.problems], "problem", sys.stdout)
        print("Nothing was created. Fix these rows (row numbers as your spreadsheet shows them) and run the command again.")
        return EXIT_PROBLEMS
    if not checked.rows:
        return EXIT_PROBLEMS

    if ctx.runs_on_sandbox and not os.environ.get("WORKSHOP_SANDBOX_ENDPOINT"):
        from workshop_lib.sandbox.client import control

        control.ensure_running()
    try:
        with _progress_bar(len(checked.rows)) as progress:
            result = import_people(ctx.with_progress(progress), checked.agents, workers=args.workers, dry_run=args.dry_run)
    except WorkshopError:
        raise  # cli.main prints the sentence and its fix
    except Exception as exc:  # noqa: BLE001 - the command's edge: a sentence, never a traceback
        print(f"connect-sso-workshop: the import stopped unexpectedly ({type(exc).__name__}: {exc}).", file=sys.stderr)
        print("Run the same command again: what was created is kept and skipped.", file=sys.stderr)
        return EXIT_PROBLEMS
    print(result.summary())
    if result.calls:
        print(f"API calls by operation ({sum(result.calls.values())}, of which {result.writes} writes):")
        for op, n in sorted(result.calls.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {n:>6}  {op}")
    if result.failed:
        _print_lines([f.line() for f in result.failed], "failure", sys.stderr)
        print("Run the same command again: only these rows are tried again.", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def _print_lines(lines: list[str], what: str, stream) -> None:
    for line in lines[:MAX_LINES]:
        print(f"  {line}", file=stream)
    if len(lines) > MAX_LINES:
        print(f"  … and {len(lines) - MAX_LINES} more {what}s.", file=stream)


class _progress_bar:
    """A tqdm bar on stderr in a terminal (silent otherwise), fed by the context's progress callback."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar = None

    def __enter__(self):
        from tqdm import tqdm

        self.bar = tqdm(total=self.total, unit="people", file=sys.stderr, disable=None, leave=False, dynamic_ncols=True)
        return self.update

    def update(self, fraction: float, message: str) -> None:
        if self.bar is None or self.bar.disable:
            return
        target = round(max(0.0, min(1.0, fraction)) * self.total)
        if target > self.bar.n:
            self.bar.update(target - self.bar.n)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()
