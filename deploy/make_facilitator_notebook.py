"""Write deploy/facilitator.ipynb (outputs stripped). Run after editing: python deploy/make_facilitator_notebook.py

The facilitator's notebook lives here, not in notebooks/: it is not a chapter of the workshop, the headless run
must not execute it, and attendees need not see it. tests/test_deploy.py fails when it drifts from this file.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

PATH = Path(__file__).resolve().parent / "facilitator.ipynb"


def build() -> nbformat.NotebookNode:
    nb = new_notebook(cells=[
        new_markdown_cell(
            "# The event at a glance\n\n"
            "Every attendee's progress, read through the hub: the chapter each one is at, who is stuck, on which step and "
            "with which failure mode (F1–F22, see the doctor's list). It reads nothing else of their servers.\n\n"
            "Set two things in this server's environment (or pass them below): `WORKSHOP_HUB_URL`, the address attendees open, "
            "and `WORKSHOP_HUB_TOKEN`, the facilitator's token (docs/facilitators.md says how to make one)."
        ),
        new_code_cell("from workshop_lib.event.view import facilitator_view\n\nview = facilitator_view()\nview"),
        new_markdown_cell(
            "Press **Refresh** for the latest status; each attendee's server checks at most every few seconds. A red row is stuck: "
            "its *failure* column names the failure mode, and the chapter 08 labs show how each one looks and is repaired."
        ),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (connect-sso-workshop)", "language": "python"}
    return nb


def main() -> None:
    nbformat.write(build(), PATH)
    print(f"written: {PATH.name}")


if __name__ == "__main__":
    main()
