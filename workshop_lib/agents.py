"""Agents from a CSV file: read with pandas, every row validated, problems named by row number.

Pure: no AWS calls. Row numbers are the ones a spreadsheet shows (the header is row 1), so a learner
can go straight to the cell to fix. Nothing here creates anything: ``workshop_lib.aws.bulk`` does that.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional, Union

from workshop_lib.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

ROLES = ("agent", "admin")
REQUIRED = ("first", "last", "email")
LABELS = {"first": "first name", "last": "last name", "email": "email", "role": "role"}
NAME_MAX_LENGTH = 100  # Amazon Connect's limit for FirstName/LastName (Identity Center allows more)
MAX_FILE_BYTES = 5_000_000

# Header spellings people use, compared without case, spaces, dashes or underscores.
HEADER_ALIASES = {
    "first": {"first", "firstname", "givenname", "given", "forename", "fname", "name1"},
    "last": {"last", "lastname", "surname", "familyname", "family", "lname", "name2"},
    "email": {"email", "emailaddress", "mail", "mailaddress", "workemail", "username", "userlogin", "login", "emails"},
    "role": {"role", "roles", "type", "usertype", "securityprofile", "profile", "group"},
}
_HEADER = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}
_ROLE_ALIASES = {
    "agent": "agent", "agents": "agent", "ccp": "agent",
    "admin": "admin", "admins": "admin", "administrator": "admin", "administrators": "admin",
}

EXAMPLE_CSV = (
    "first name,last name,email,role\n"
    "Ana,Silva,ana.silva@example.com,agent\n"
    "Sam,Lee,sam.lee@example.com,admin\n"
)


@dataclass(frozen=True)
class Agent:
    """One person from the file: ``row`` as the spreadsheet shows it, the email is also both usernames."""

    row: int
    email: str
    first: str
    last: str
    role: str = "agent"

    @property
    def security_profile(self) -> str:
        return "Admin" if self.role == "admin" else "Agent"

    def as_person(self) -> dict[str, str]:
        """The entry for ``settings.people``."""
        return {"email": self.email, "first": self.first, "last": self.last, "role": self.role}


@dataclass(frozen=True)
class RowProblem:
    """Something that stops a row (or the whole file, row 0) from being imported."""

    row: int
    message: str
    column: str = ""

    def line(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        return f"{where}: {self.message}"


@dataclass
class AgentFile:
    """What a CSV file holds: every data row read, and every problem found. Import only when ``ok``."""

    rows: list[Agent] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field -> the header as written
    ignored_columns: list[str] = field(default_factory=list)
    already_known: int = 0  # rows for people the workshop already has (same email and role)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def agents(self) -> list[Agent]:
        """Rows with no problem."""
        bad = {p.row for p in self.problems}
        return [a for a in self.rows if a.row not in bad]

    def counts(self) -> dict[str, int]:
        return {role: sum(a.role == role for a in self.rows) for role in ROLES}

    def summary(self) -> str:
        if not self.rows and not self.problems:
            return "The file has no rows below the header."
        counts = self.counts()
        people = (f"{_count(len(self.rows), 'person', 'people')} ({_count(counts['agent'], 'agent')}, "
                  f"{_count(counts['admin'], 'administrator')})")
        if self.problems:
            rows = sorted({p.row for p in self.problems})
            where = "the file itself" if rows == [0] else f"{len([r for r in rows if r])} row(s)"
            return f"{people}; {len(self.problems)} problem(s) in {where}. Fix them and load the file again: nothing was created."
        return f"{people}, all valid."

    def frame(self) -> "pd.DataFrame":
        """One line per data row with its problems (empty when fine): the validation table."""
        import pandas as pd

        by_row: dict[int, list[str]] = {}
        for p in self.problems:
            by_row.setdefault(p.row, []).append(p.message)
        return pd.DataFrame(
            [{"row": a.row, "first name": a.first, "last name": a.last, "email": a.email, "role": a.role,
              "problems": " ".join(by_row.get(a.row, []))} for a in self.rows],
            columns=["row", "first name", "last name", "email", "role", "problems"],
        )


def _count(n: int, one: str, many: str = "") -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


# ---- reading ---------------------------------------------------------------------------------

def load_agents_file(path: Union[str, Path], *, existing: Iterable[tuple[str, str]] = ()) -> AgentFile:
    """Read and validate a CSV file on disk (a missing or unreadable file is an InputError)."""
    path = Path(path).expanduser()
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{path} is {size:,} bytes; an agents file is at most {MAX_FILE_BYTES:,}.", fix="Split it into several files.")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"There is no file {path}.", fix="Check the path; it is relative to the folder you run the command in.") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a CSV file.", fix="Give the path of the .csv file.") from None
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.", fix="Check the file's permissions.") from None
    return read_agents_csv(data, existing=existing)


def read_agents_csv(data: Union[bytes, str], *, existing: Iterable[tuple[str, str]] = ()) -> AgentFile:
    """Parse and validate CSV content. ``existing``: (email, role) of people the workshop already has."""
    result = AgentFile()
    text = _decode(data, result)
    if not text.strip():
        result.problems.append(RowProblem(0, "The file is empty. The first row names the columns: " + _columns_hint()))
        return result
    table = _cells(text, result)
    if table is None:
        return result
    header_index = next((i for i, row in enumerate(table) if any(row)), None)
    if header_index is None:
        result.problems.append(RowProblem(0, "The file has no header row. The first row names the columns: " + _columns_hint()))
        return result
    header_row = header_index + 1
    mapping = _map_header(table[header_index], header_row, result)
    if mapping is None:
        return result
    _read_rows(table, header_index, mapping, result)
    _validate(result, existing)
    return result


def _columns_hint() -> str:
    return "first name, last name, email, role (agent or admin)."


def _decode(data: Union[bytes, str], result: AgentFile) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.notes.append("The file is not UTF-8; it was read as Windows-1252 (Excel's default). Check that accented names look right.")
        return data.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _cells(text: str, result: AgentFile) -> Optional[list[list[str]]]:
    """Every record as a list of stripped cells, blank records kept so row numbers stay as in a spreadsheet."""
    import pandas as pd

    sep = _delimiter(text)
    width = max(line.count(sep) for line in text.splitlines()) + 1
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, header=None, names=list(range(width)), dtype=str,
            keep_default_na=False, na_filter=False, skip_blank_lines=False, engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        quote = re.search(r"EOF inside string starting at row (\d+)", str(exc))
        if quote:  # pandas counts records from 0
            result.problems.append(RowProblem(int(quote.group(1)) + 1, 'A quote (") opened on this row is never closed, so the rest of the file reads as one cell.'))
        else:
            result.problems.append(RowProblem(0, f"The file cannot be read as CSV ({str(exc).strip()}). Save it from your spreadsheet as 'CSV UTF-8'."))
        return None
    return [[str(v).strip() for v in record] for record in frame.itertuples(index=False, name=None)]


def _normalise(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _map_header(cells: list[str], header_row: int, result: AgentFile) -> Optional[dict[str, int]]:
    mapping: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if not cell:
            continue
        name = _HEADER.get(_normalise(cell))
        if name is None:
            result.ignored_columns.append(cell)
        elif name in mapping:
            first = cells[mapping[name]]
            result.problems.append(RowProblem(header_row, f"The columns {first!r} and {cell!r} both hold the {LABELS[name]}; keep one.", cell))
        else:
            mapping[name] = index
            result.columns[name] = cell
    missing = [LABELS[n] for n in REQUIRED if n not in mapping]
    if missing:
        found = ", ".join(repr(c) for c in cells if c) or "nothing"
        result.problems.append(RowProblem(
            header_row,
            f"There is no {' and no '.join(missing)} column (the header row has {found}). Name the columns: {_columns_hint()}",
        ))
        return None
    if result.problems:
        return None
    if "role" not in mapping:
        result.notes.append("There is no role column: everyone is imported as an agent.")
    if result.ignored_columns:
        result.notes.append(f"Ignored column(s) the workshop does not use: {', '.join(result.ignored_columns)}.")
    mapping["_width"] = max(i for i, c in enumerate(cells) if c) + 1
    return mapping


def _read_rows(table: list[list[str]], header_index: int, mapping: dict[str, int], result: AgentFile) -> None:
    width = mapping["_width"]
    for index in range(header_index + 1, len(table)):
        cells = table[index]
        if not any(cells):
            continue  # a blank line: skipped, but counted so later row numbers match the spreadsheet
        row = index + 1
        agent = Agent(
            row=row,
            email=cells[mapping["email"]],
            first=cells[mapping["first"]],
            last=cells[mapping["last"]],
            role=_ROLE_ALIASES.get(cells[mapping["role"]].lower(), cells[mapping["role"]]) if "role" in mapping else "agent",
        )
        result.rows.append(agent)
        extra = [c for c in cells[width:] if c]
        if extra:
            result.problems.append(RowProblem(row, f"The row has {len(extra)} value(s) beyond the last named column ({', '.join(repr(c) for c in extra[:3])}); a comma inside a name needs quotes."))


# ---- validation ------------------------------------------------------------------------------

def _validate(result: AgentFile, existing: Iterable[tuple[str, str]]) -> None:
    from workshop_lib.rules.usernames import suggest_username, username_problems

    known: dict[str, tuple[str, str]] = {}  # casefolded email -> (email, role) already in the workshop
    for email, role in existing:
        known.setdefault(email.casefold(), (email, role))
    seen: dict[str, Agent] = {}
    add = result.problems.append
    for agent in result.rows:
        row = agent.row
        for name, value in (("first", agent.first), ("last", agent.last)):
            label = LABELS[name]
            if not value:
                add(RowProblem(row, f"The {label} is empty; Amazon Connect and Identity Center both need one.", label))
            elif len(value) > NAME_MAX_LENGTH:
                add(RowProblem(row, f"The {label} is {len(value)} characters long; Amazon Connect allows at most {NAME_MAX_LENGTH}.", label))
            elif any(ord(c) < 32 for c in value):
                add(RowProblem(row, f"The {label} contains a control character (a tab or line break).", label))
            elif any(c in "<>" for c in value):
                add(RowProblem(row, f"The {label} contains '<' or '>', which no name needs; it looks like markup pasted by mistake.", label))
        if agent.role not in ROLES:
            add(RowProblem(row, "The role is empty; write agent or admin." if not agent.role else f"The role {agent.role!r} is neither agent nor admin.", "role"))
        email = agent.email
        if not email:
            add(RowProblem(row, "The email is empty; it becomes the Identity Center user name and the Amazon Connect username.", "email"))
            continue
        problems = username_problems(email)
        if problems:
            suggestion = suggest_username(email)
            hint = f" Perhaps {suggestion}?" if suggestion and suggestion != email else ""
            add(RowProblem(row, f"The email {email!r} cannot be used: " + " ".join(p.replace("The username", "It") for p in problems) + hint, "email"))
            continue
        key = email.casefold()
        first = seen.get(key)
        if first is not None:
            if first.email == email:
                add(RowProblem(row, f"{email} is already on row {first.row}; list each person once.", "email"))
            else:
                add(RowProblem(row, f"{email} differs only in case from {first.email} on row {first.row}: Identity Center treats them as one user, "
                                    "Amazon Connect as two usernames, so sign-in would fail for one of them. Keep one spelling.", "email"))
            continue
        seen[key] = agent
        if key in known:
            known_email, known_role = known[key]
            if known_email != email:
                add(RowProblem(row, f"{email} differs only in case from {known_email}, who is already in the workshop; "
                                    f"use exactly {known_email} or another email.", "email"))
            elif agent.role in ROLES and known_role != agent.role:
                add(RowProblem(row, f"{email} is already in the workshop as an {'administrator' if known_role == 'admin' else 'agent'}; "
                                    "a person can be in one group only (a Connect user federates through one role).", "role"))
            else:
                result.already_known += 1
    if result.already_known:
        result.notes.append(f"{result.already_known} of these people are already in the workshop; they are checked, not created again.")
    result.problems.sort(key=lambda p: p.row)


def merge_people(people: list[dict[str, str]], agents: Iterable[Agent]) -> tuple[list[dict[str, str]], int]:
    """``settings.people`` with the agents added (an email already there is kept as it is); returns (people, added)."""
    merged = [dict(p) for p in people]
    present = {p["email"] for p in merged}
    added = 0
    for agent in agents:
        if agent.email not in present:
            merged.append(agent.as_person())
            present.add(agent.email)
            added += 1
    return merged, added
