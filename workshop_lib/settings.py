"""The one settings file: target, regions, instance, names and the ledger of what the workshop created.

It lives in ``$WORKSHOP_HOME/settings.json`` (default ``~/.connect-sso-workshop/``), is written
atomically under a lock (a notebook kernel and the CLI may both write it), and never holds secrets.
A corrupt or foreign file is moved aside as a backup and reported, never silently overwritten.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as _dt
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from workshop_lib.errors import SettingsError
from workshop_lib.files import atomic_write

SCHEMA = "connect-sso-workshop/settings"
SCHEMA_VERSION = 2  # 2: one ledger per (target, partition, account); ledger entries say where they came from
FILE_NAME = "settings.json"
# sandbox: the simulated AWS, console steps done for you. rehearsal: the same sandbox behaving exactly as a real
# account (console steps, uploads, paste-backs and sign-in are yours). aws: a real account.
TARGETS = ("sandbox", "rehearsal", "aws")
SANDBOX_TARGETS = ("sandbox", "rehearsal")  # the targets whose API calls go to the local sandbox
# What belongs to one account: kept per (target, partition, account ID), so switching the target or the
# profile shows, checks and cleans only the current account's resources.
ACCOUNT_FIELDS = ("ledger", "instance_id", "instance_arn", "account_id", "role_ids", "confirmed", "adopt")
# Where a ledger entry came from. Only "created" (and "pending": recorded just before a create call) is ever
# changed or deleted by the workshop; "found" (existed already, e.g. an employee) and "adopted" (the learner
# chose "use it as it is") are read and checked only.
ORIGINS = ("created", "pending", "found", "adopted")

# Keys that must never be stored: the file is shared, copied and shown on screen.
_SECRET_KEY = re.compile(r"secret|password|passwd|session_token|access_key|private_key|credential", re.I)


def workshop_home() -> Path:
    """The folder that holds the settings file and the sandbox's state."""
    home = os.environ.get("WORKSHOP_HOME")
    return Path(home).expanduser() if home else Path.home() / ".connect-sso-workshop"


def settings_path() -> Path:
    return workshop_home() / FILE_NAME


def default_names() -> dict[str, str]:
    """Resource names as the workshop's final revision uses them."""
    from workshop_lib.rules import names as n

    return {
        "agent_app": n.AGENT_APP_NAME,
        "admin_app": n.ADMIN_APP_NAME,
        "agent_provider": n.AGENT_PROVIDER_NAME,
        "admin_provider": n.ADMIN_PROVIDER_NAME,
        "policy": n.POLICY_NAME,
        "agent_role": n.AGENT_ROLE_NAME,
        "admin_role": n.ADMIN_ROLE_NAME,
        "agents_group": n.AGENT_GROUP_NAME,
        "admins_group": n.ADMIN_GROUP_NAME,
        "instance_alias": "",  # chosen once, on first creation: the prefix plus four random digits
    }


@dataclass
class LedgerEntry:
    """One resource the workshop uses: made by it ("created"), or someone else's it only reads ("found", "adopted")."""

    kind: str  # e.g. "connect.instance", "iam.role", "identitystore.user"
    name: str  # the name the learner sees (alias, role name, user name)
    id: str = ""
    arn: str = ""
    region: str = ""
    created_at: str = ""
    origin: str = "created"  # one of ORIGINS
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.name)

    @property
    def ours(self) -> bool:
        """Made by this settings file's workshop (or about to be): the only entries cleanup may delete."""
        return self.origin in ("created", "pending")


@dataclass
class Settings:
    """Everything the notebooks and the CLI share. Edit through :func:`update` to keep writes atomic."""

    target: str = "sandbox"
    profile: str = ""
    # Unique to this settings file: the value of the workshop tag on everything it creates, so two attendees
    # sharing one account never own (change, delete) each other's resources. Made on the first save.
    owner_id: str = ""
    region: str = "us-east-1"
    idc_region: str = ""  # Identity Center's home Region; empty means the same as ``region``
    instance_id: str = ""
    instance_arn: str = ""
    account_id: str = ""
    name_prefix: str = ""
    agent_destination: str = "ccp"  # where agents land after sign-in: "ccp" or "agent-workspace" (the relay state's destination)
    names: dict[str, str] = field(default_factory=dict)
    ledger: list[LedgerEntry] = field(default_factory=list)
    # The federation roles' RoleIds as first seen: a change means the role was re-created (F10).
    role_ids: dict[str, str] = field(default_factory=dict)
    # Values the learner confirmed by eye for console-only steps, keyed by step.
    confirmed: dict[str, str] = field(default_factory=dict)
    # People imported beyond the workshop's defaults: {"email", "first", "last", "role"}.
    people: list[dict[str, str]] = field(default_factory=list)
    # Resources ("kind:name") the learner chose to use as they are: read and checked, never changed or deleted.
    adopt: list[str] = field(default_factory=list)
    # The account the fields above (ACCOUNT_FIELDS) belong to, as "target:partition:account" ("target::" while
    # unknown), and the target and profile it was learnt for; the other accounts' fields, by that key.
    scope: str = ""
    scope_source: str = ""
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)

    # ---- derived values -------------------------------------------------------------------
    @property
    def identity_center_region(self) -> str:
        return self.idc_region or self.region

    def name(self, key: str) -> str:
        """The resource name for ``key`` (e.g. ``agent_role``), with the learner's prefix applied."""
        names = default_names()
        names.update(self.names)
        try:
            base = names[key]
        except KeyError:
            raise SettingsError(f"There is no resource name called {key!r}.", fix=f"Use one of: {', '.join(sorted(names))}.") from None
        # A prefix keeps attendees who share one account apart; the alias gets its own random suffix.
        if self.name_prefix and key not in self.names and key != "instance_alias":
            return f"{self.name_prefix}{base}"
        return base

    # ---- ledger ---------------------------------------------------------------------------
    def find(self, kind: str, name: str) -> LedgerEntry | None:
        for entry in self.ledger:
            if entry.kind == kind and entry.name == name:
                return entry
        return None

    def of_kind(self, kind: str) -> list[LedgerEntry]:
        return [e for e in self.ledger if e.kind == kind]

    def record(self, kind: str, name: str, *, id: str = "", arn: str = "", region: str = "", origin: str = "", **extra: Any) -> LedgerEntry:
        """Add or refresh a ledger entry; recording the same resource twice keeps one entry.

        ``origin`` defaults to "created" for a new entry; a "pending" entry becomes whatever is recorded next.
        An entry that is someone else's ("found", "adopted") never becomes "created" by a later record: the
        workshop did not make it, whatever happens afterwards.
        """
        return self._record(self.find(kind, name), kind, name, id=id, arn=arn, region=region, origin=origin, **extra)

    def record_many(self, records: Iterable[tuple[str, str, dict[str, Any]]]) -> list[LedgerEntry]:
        """``record`` for each (kind, name, fields), the ledger looked up once: a batch of thousands stays linear."""
        index: dict[tuple[str, str], LedgerEntry] = {}
        for known in self.ledger:
            index.setdefault((known.kind, known.name), known)
        done = []
        for kind, name, fields in records:
            entry = self._record(index.get((kind, name)), kind, name, **fields)
            index.setdefault((kind, name), entry)
            done.append(entry)
        return done

    def _record(self, entry: LedgerEntry | None, kind: str, name: str, *, id: str = "", arn: str = "", region: str = "",
                origin: str = "", **extra: Any) -> LedgerEntry:
        if origin and origin not in ORIGINS:
            raise ValueError(f"unknown ledger origin {origin!r}")
        if entry is None:
            entry = LedgerEntry(kind=kind, name=name, created_at=_now(), origin=origin or "created")
            self.ledger.append(entry)
        elif origin and (entry.origin == "pending" or origin in ("found", "adopted") and entry.origin != "created"):
            entry.origin = origin
        entry.id = id or entry.id
        entry.arn = arn or entry.arn
        entry.region = region or entry.region
        entry.extra.update(extra)
        return entry

    def is_adopted(self, kind: str, name: str) -> bool:
        return f"{kind}:{name}" in self.adopt

    # ---- one ledger per account -----------------------------------------------------------
    @property
    def source(self) -> str:
        """What decides the account: the target and, on AWS, the profile."""
        return f"{_scope_target(self.target)}|{self.profile if self.target not in SANDBOX_TARGETS else ''}"

    @property
    def in_scope(self) -> bool:
        """True when the account fields are known to belong to the current target and profile's account."""
        return bool(self.scope) and not self.scope.endswith(":") and self.scope_source == self.source

    def enter_account(self, account: str, partition: str = "aws") -> str:
        """Make ``account`` (of the current target) the one whose ledger, instance and role IDs are shown.

        The fields of the account left behind are kept aside under its key and come back when it is entered
        again. Fields whose account was never learnt (a new file, or one written before accounts were kept
        apart) are claimed by the first account of the same target they meet.
        """
        key = scope_key(self.target, partition, account)
        if key != self.scope:
            unclaimed = self.scope in ("", f"{_scope_target(self.target)}::")
            if unclaimed and key not in self.accounts:
                pass  # these fields were made for this target before its account was known: they are this account's
            else:
                if _has_state(self._account_fields()):  # an account with nothing recorded needs no place
                    self.accounts[self.scope or f"{_scope_target(self.target)}::"] = self._account_fields()
                self._set_account_fields(self.accounts.pop(key, {}))
            self.scope = key
        self.scope_source = self.source
        self.account_id = account
        return key

    def _account_fields(self) -> dict[str, Any]:
        data = {name: copy.deepcopy(getattr(self, name)) for name in ACCOUNT_FIELDS}
        data["ledger"] = [asdict(e) for e in self.ledger]
        return data

    def _set_account_fields(self, data: dict[str, Any]) -> None:
        fresh = Settings()
        for name in ACCOUNT_FIELDS:
            value = copy.deepcopy(data.get(name, getattr(fresh, name)))
            if name == "ledger":
                value = [LedgerEntry(**_only(_migrate_entry(e), LedgerEntry)) for e in value if isinstance(e, dict)]
            setattr(self, name, value)

    def forget(self, kind: str, name: str) -> None:
        self.ledger = [e for e in self.ledger if not (e.kind == kind and e.name == name)]

    # ---- serialisation --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        if not self.owner_id:
            self.owner_id = new_owner_id()
        data = asdict(self)
        data = {"schema": SCHEMA, "version": SCHEMA_VERSION, **data}
        _refuse_secrets(data)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Settings":
        """Raises TypeError when a value has the wrong type (a hand-edited or foreign file).

        The new settings take ``data``'s values as they are, not copies (``load`` passes what it has just parsed;
        deep-copying it cost more than reading and parsing the file, and the settings are read on every step)."""
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        defaults = cls()
        for name, value in values.items():
            expected = type(getattr(defaults, name))
            if not isinstance(value, expected):
                raise TypeError(f"'{name}' should be {_TYPE_WORDS.get(expected, expected.__name__)}, not {type(value).__name__}")
        if not all(isinstance(e, dict) for e in values.get("ledger", [])):
            raise TypeError("the ledger should be a list of objects")
        values["ledger"] = [LedgerEntry(**_only(_migrate_entry(e), LedgerEntry)) for e in values.get("ledger", [])]
        if not all(isinstance(v, dict) for v in values.get("accounts", {}).values()):
            raise TypeError("each account's state should be an object")
        settings = cls(**values)
        if isinstance(data.get("version"), int) and data["version"] < 2 and "scope" not in data:
            # One ledger for everything before version 2: it belongs to the account its target last used.
            settings.scope = scope_key(settings.target, partition_of(settings.region), settings.account_id) if settings.account_id else f"{_scope_target(settings.target)}::"
            settings.scope_source = settings.source
        if settings.target not in TARGETS:
            raise SettingsError(f"The settings say target {settings.target!r}, which is not one of {', '.join(TARGETS)}.", fix="Choose the target again in 00_start_here.")
        return settings


_TYPE_WORDS = {str: "text", dict: "an object", list: "a list"}


def new_owner_id() -> str:
    """A short random owner id for the workshop tag (not a secret: it only tells attendees' resources apart)."""
    import secrets

    return "owner-" + secrets.token_hex(6)


def scope_key(target: str, partition: str, account: str) -> str:
    """The key of one account's ledger. The sandbox and rehearsal targets share one: the same local sandbox."""
    return f"{_scope_target(target)}:{partition}:{account}"


def _scope_target(target: str) -> str:
    return "sandbox" if target in SANDBOX_TARGETS else target


def partition_of(region: str) -> str:
    """The AWS partition of a Region (ARNs, and so the ledger, differ between partitions)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _has_state(fields: dict[str, Any]) -> bool:
    return any(fields.get(name) for name in ACCOUNT_FIELDS if name != "account_id")


def _migrate_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """Version 1 entries said ``adopted: true`` for anything found by name: someone else's until proved otherwise."""
    if "origin" not in entry:
        entry = {**entry, "origin": "found" if entry.get("adopted") else "created"}
    return entry


def _only(data: dict[str, Any], cls: type) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in cls.__dataclass_fields__}


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _refuse_secrets(data: Any, path: str = "") -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if _SECRET_KEY.search(str(key)):
                raise SettingsError(f"Refusing to store {path + str(key)!r} in the settings file: it looks like a credential.", fix="Credentials belong in your AWS profile, never in the workshop's settings.")
            _refuse_secrets(value, f"{path}{key}.")
    elif isinstance(data, list):
        for item in data:
            _refuse_secrets(item, path)


# ---- file access --------------------------------------------------------------------------

def load(path: Path | None = None) -> Settings:
    """Read the settings; a missing file gives the defaults, a broken one is backed up and reported."""
    path = path or settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except UnicodeDecodeError:
        backup = _backup(path)
        raise SettingsError(f"The settings file {path} is not UTF-8 text; it was kept as {backup.name}.", fix="Run the notebook again: it starts from fresh settings.") from None
    except OSError as exc:
        raise SettingsError(f"Cannot read the settings file {path}: {exc.strerror}.", fix="Check the folder's permissions or set WORKSHOP_HOME to a folder you can write.") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        backup = _backup(path)
        raise SettingsError(f"The settings file {path} is not valid JSON ({exc.msg} at line {exc.lineno}); it was kept as {backup.name}.", fix="Run the notebook again: it starts from fresh settings. Copy anything you need from the backup.") from None
    except RecursionError:
        backup = _backup(path)
        raise SettingsError(f"The settings file {path} is nested too deeply to be a settings file; it was kept as {backup.name}.", fix="Run the notebook again: it starts from fresh settings.") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        backup = _backup(path)
        raise SettingsError(f"The file {path} is not a connect-sso-workshop settings file; it was kept as {backup.name}.", fix="Run the notebook again: it starts from fresh settings. If the file was yours, set WORKSHOP_HOME to another folder.")
    version = data.get("version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise SettingsError(f"The settings file {path} was written by a newer connect-sso-workshop (schema {version}).", fix="Upgrade the package (pip install -U connect-sso-workshop) and run again.")
    try:
        return Settings.from_dict(data)
    except TypeError as exc:
        backup = _backup(path)
        raise SettingsError(f"The settings file {path} has entries this version cannot read ({exc}); it was kept as {backup.name}.", fix="Run the notebook again: it starts from fresh settings.") from None


def save(settings: Settings, path: Path | None = None) -> Path:
    """Write the settings atomically: readers see the old file or the new one, never half of one."""
    path = path or settings_path()
    text = json.dumps(settings.to_dict(), indent=2, sort_keys=False) + "\n"
    atomic_write(path, text)
    return path


@contextlib.contextmanager
def update(path: Path | None = None) -> Iterator[Settings]:
    """Load, let the caller change, save — under a lock, so the kernel and the CLI never lose each other's writes."""
    path = path or settings_path()
    with _locked(path):
        settings = load(path)
        yield settings
        save(settings, path)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a+") as lock:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; atomic replace still protects the file
            yield
            return
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _backup(path: Path) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.broken-{stamp}")
    n = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.broken-{stamp}-{n}")
        n += 1
    os.replace(path, backup)
    return backup


ENVIRONMENT_OVERRIDES = {
    "WORKSHOP_TARGET": "target",
    "WORKSHOP_PROFILE": "profile",
    "WORKSHOP_REGION": "region",
    "WORKSHOP_IDC_REGION": "idc_region",
    "WORKSHOP_NAME_PREFIX": "name_prefix",
}


def apply_environment(path: Path | None = None) -> list[str]:
    """Copy WORKSHOP_* variables into the settings (headless runs, facilitators); returns what changed."""
    changed = []
    wanted = {field_name: os.environ[var] for var, field_name in ENVIRONMENT_OVERRIDES.items() if os.environ.get(var)}
    if not wanted:
        return changed
    with update(path) as s:
        for field_name, value in wanted.items():
            if field_name == "name_prefix":  # validated where it enters, as the settings form does
                from workshop_lib.rules.names import validate_name_prefix

                value = validate_name_prefix(value)
            if getattr(s, field_name) != value:
                setattr(s, field_name, value)
                changed.append(field_name)
        if s.target not in TARGETS:
            raise SettingsError(f"WORKSHOP_TARGET is {s.target!r}, which is not one of {', '.join(TARGETS)}.", fix="Set it to sandbox, rehearsal or aws.")
    return changed
