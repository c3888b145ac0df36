"""The one error edge: any exception, in a notebook cell or a CLI command, becomes a sentence with what to do.

In the spirit of aws/graph-notebook's ``display_exceptions``: a WorkshopError already is a sentence; a botocore
error is translated by ``aws.errors``; anything else is named in plain words, and its technical detail (the
traceback) is kept for a disclosure in the notebook (``ui.widgets.error_html``) or ``CONNECT_SSO_WORKSHOP_DEBUG=1`` in a terminal.
Exit codes: 0 success, 1 failure or findings, 2 usage (a wrong value), 130 interrupted.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from workshop_lib.errors import InputError, WorkshopError, readable

EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


@dataclass(frozen=True)
class Explained:
    """An exception as a learner reads it."""

    sentence: str  # what went wrong and what to do, one or two lines
    exit_code: int
    expected: bool  # a known kind of problem (no need to show the technical detail first)
    detail: str = ""  # the traceback, for a disclosure; never shown by default


def explain(exc: BaseException) -> Explained:
    """The sentence, the exit code and the technical detail for ``exc``."""
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    if isinstance(exc, KeyboardInterrupt):
        return Explained("Interrupted. Run the same command or cell again to continue: nothing is created twice.",
                         EXIT_INTERRUPTED, True)
    if not isinstance(exc, WorkshopError):
        translated = _from_botocore(exc)
        if translated is not None:
            exc = translated
    if isinstance(exc, WorkshopError):
        return Explained(exc.describe(), EXIT_USAGE if isinstance(exc, InputError) else EXIT_FAILURE, True, detail)
    if isinstance(exc, OSError) and exc.filename:
        what = exc.strerror or type(exc).__name__
        return Explained(f"Could not use the file {exc.filename}: {what}. Check that it exists and that you may "
                         "read and write it, then run this again.", EXIT_FAILURE, True, detail)
    if isinstance(exc, MemoryError):
        return Explained("The computer ran out of memory. Close other notebooks or programs, then run this again.",
                         EXIT_FAILURE, True, detail)
    message = readable(str(exc))[:300]
    return Explained(
        f"Something unexpected stopped this ({type(exc).__name__}{': ' + message if message else ''}). "
        "Run it again; if it keeps failing, report it with the technical detail.",
        EXIT_FAILURE, False, detail)


def _from_botocore(exc: BaseException) -> WorkshopError | None:
    """A botocore error as the aws layer explains it (imported only when botocore is already loaded)."""
    import sys

    if "botocore" not in sys.modules:
        return None
    import botocore.exceptions

    if isinstance(exc, (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)):
        from workshop_lib.aws.errors import translate

        return translate(exc)
    return None
