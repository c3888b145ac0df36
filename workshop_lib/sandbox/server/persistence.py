"""Keep the sandbox's state on disk so that a restart (or a SIGKILL) loses nothing that was answered.

After every request that may have changed something, the server saves the backends the workshop uses
(moto's IAM, STS, Organizations, Connect, Identity Store, sso-admin, plus the sandbox's own) before it
answers. moto's recorder would replay the requests with new random IDs; pickling keeps every ID and ARN.
A save costs what the request changed, not the size of the whole workshop (:mod:`persist_layout` has the
files): a read-only request writes nothing, and a request that adds a person pickles that person only.

Which requests change nothing: those the botocore model marks ``readonly`` (Amazon Connect, Identity
Store and sso-admin mark some of their operations so, and those are exactly the ones named Describe…,
Get…, List…, Search…, BatchGet… or IsMember…), else the operations named so; but for STS only
GetCallerIdentity and GetAccessKeyInfo (its other Get… operations issue credentials), and never Connect's
GetFederationToken (the first federation binds the user to the role, F10). A read that makes a backend
for a new account or Region (moto makes them on first use) is saved anyway.

The state is tied to the moto version: state from another version is moved aside, never loaded. Nothing
is unpickled before an integrity check a planted file cannot pass: the manifest carries an HMAC-SHA256
keyed with a random key kept 0600 beside it (``state.key``) and names every other file by its digest. A
state that fails the check, or whose backends are not of the types moto expects, is moved aside with a
sentence that says so, and the sandbox starts empty. A single-file state (``state.pickle``) written by
an earlier version of the workshop is still loaded, under the same checks, and replaced at the next save.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workshop_lib.files import atomic_write
from workshop_lib.sandbox.server import persist_layout as layout
from workshop_lib.sandbox.server.persist_layout import (FILE_NAME, FORMAT, JOURNAL_MAGIC, JOURNAL_NAME, KEY_NAME,  # noqa: F401
                                                        LEGACY_FORMAT, MAGIC, LoadResult)
from workshop_lib.sandbox.server.persist_layout import backend_dicts as _backend_dicts
from workshop_lib.sandbox.server.persist_layout import moto_version as _moto_version

# What a request may have changed.
NOTHING, ADDITIVE, ANYTHING = "nothing", "additive", "anything"
# Requests that only add records to the large collections (persist_layout.collections_of), read from their
# implementations: moto's IdentityStoreBackend.create_user/create_group/create_group_membership (with the
# sandbox's checks in ext_idstore/ext_idc) and the sandbox's ext_connect_users.create_user. Any other write
# pickles every record again.
ADDITIVE_OPERATIONS = frozenset({("identitystore", "CreateUser"), ("identitystore", "CreateGroup"),
                                 ("identitystore", "CreateGroupMembership"), ("connect", "CreateUser")})
READ_PREFIXES = ("Describe", "Get", "List", "Search", "BatchGet", "IsMember")
STS_READS = frozenset({"GetCallerIdentity", "GetAccessKeyInfo"})  # STS's other Get… operations issue credentials
# Named as reads, yet they change something: the first federation binds the Connect user to the role's RoleId (F10,
# federation.federate).
WRITING_READS = frozenset({("connect", "GetFederationToken")})


def change_of(service: str, operation: Any) -> str:
    """NOTHING, ADDITIVE or ANYTHING for an AWS request of ``service`` (its signing name) naming ``operation``."""
    if operation is None:
        return ANYTHING
    name = operation.name
    if (service, name) in ADDITIVE_OPERATIONS:
        return ADDITIVE
    if (service, name) in WRITING_READS:
        return ANYTHING
    if service == "sts":
        return NOTHING if name in STS_READS else ANYTHING
    readonly = getattr(operation, "_operation_model", {}).get("readonly")  # botocore keeps the model's traits there
    if readonly is not None:
        return NOTHING if readonly else ANYTHING
    return NOTHING if name.startswith(READ_PREFIXES) else ANYTHING


@dataclass
class PersistStats:
    writes: int = 0
    skipped: int = 0  # requests after which nothing needed writing
    total_ms: float = 0.0
    last_ms: float = 0.0
    max_ms: float = 0.0
    last_bytes: int = 0  # the whole state on disk
    written_bytes: int = 0  # the bytes the writes wrote, in all

    def as_dict(self) -> dict[str, Any]:
        snapshots = self.writes + self.skipped
        return {
            "writes": self.writes,
            "skipped": self.skipped,
            "last_ms": round(self.last_ms, 3),
            "max_ms": round(self.max_ms, 3),
            "mean_ms": round(self.total_ms / snapshots, 3) if snapshots else 0.0,
            "bytes": self.last_bytes,
            "written_bytes": self.written_bytes,
        }


def _shape() -> tuple[Any, ...]:
    """Which accounts and Regions have backends: moto makes one on first use, even for a read."""
    return tuple((name, tuple((account, tuple(dict.keys(per_account))) for account, per_account in dict.items(backend_dict)))
                 for name, backend_dict in _backend_dicts().items())


class StateStore:
    """The state under ``<home>/sandbox/state/``; callers serialise access (the server's lock)."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir)
        self.journal = layout.Journal(self.state_dir / JOURNAL_NAME, JOURNAL_MAGIC)
        self.path = self.state_dir / FILE_NAME  # format 1, loaded once and replaced
        self.files = layout.PartFiles(self.state_dir)
        self.stats = PersistStats()
        self._key: bytes | None = None
        self._parts: dict[str, str] | None = None  # service -> file, as the manifest on disk names them
        self._collections: dict[str, layout.Collection] = {}
        self._shape: tuple[Any, ...] | None = None
        self._legacy = self.path.exists()

    def _hmac_key(self, *, create: bool) -> bytes | None:
        """The integrity key (32 random bytes, 0600); made when the first state is written."""
        if self._key is None:
            key_path = self.state_dir / KEY_NAME
            try:
                self._key = bytes.fromhex(key_path.read_text(encoding="ascii").strip())
            except (OSError, ValueError):
                if not create:
                    return None
                self._key = secrets.token_bytes(32)
                atomic_write(key_path, self._key.hex(), mode=0o600)
        return self._key

    # ---- saving ---------------------------------------------------------------------------
    def save(self, change: str = ANYTHING) -> bool:
        """Write what ``change`` may have altered; True when a new state was committed."""
        started = time.perf_counter()
        shape = _shape()
        if change == NOTHING and shape == self._shape:
            self._account(started, wrote=False)
            return False
        additive = change == ADDITIVE and shape == self._shape
        parts, collections, files = self._snapshot(additive=additive)
        chunks = {path: collection.chunks for path, collection in collections.items()}
        if parts == self._parts and chunks == {path: c.chunks for path, c in self._collections.items()}:
            self._collections, self._shape = collections, shape
            self._account(started, wrote=False)
            return False
        written = self.files.write_new(files)
        manifest = layout.manifest_json(_moto_version(), parts, chunks, FORMAT)
        key = self._hmac_key(create=True)
        assert key is not None
        mac = hmac.new(key, manifest, hashlib.sha256).hexdigest().encode("ascii")
        # The commit. No fsync (cost): a killed server restarts from the last whole line, the old state or the new.
        self.journal.append(mac + b" " + manifest + b"\n")
        self.files.committed({*parts.values(), *(name for names in chunks.values() for name in names)}, files)
        self._parts, self._collections, self._shape = parts, collections, shape
        if self._legacy:  # format 1, replaced now
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            self._legacy = False
        self.stats.written_bytes += written
        self._account(started, wrote=True)
        return True

    def _snapshot(self, *, additive: bool) -> tuple[dict[str, str], dict[str, layout.Collection], dict[str, bytes]]:
        """Each service pickled without its large collections, and the collections' chunks: file names and bytes.

        After an additive request, only the collections changed (by definition of ADDITIVE_OPERATIONS): the
        services' pickles of the last save stay as they are, unless a collection appeared or went away.
        """
        found: dict[str, dict[Any, Any]] = {}
        for name, backend_dict in _backend_dicts().items():
            for account, per_account in dict.items(backend_dict):
                for region, region_backend in dict.items(per_account):
                    found.update(layout.collections_of(name, account, region, region_backend))
        additive = additive and self._parts is not None and found.keys() == self._collections.keys()
        files: dict[str, bytes] = {}
        if additive:
            assert self._parts is not None
            parts = self._parts
        else:
            references = {id(current): path for path, current in found.items()}
            parts = {}
            for name, backend_dict in _backend_dicts().items():
                backends = {account: dict(dict.items(per_account)) for account, per_account in dict.items(backend_dict)}
                extras = {"master_accounts": dict(backend_dict.master_accounts)} if hasattr(backend_dict, "master_accounts") else {}
                data = layout.pickle_part({"backends": backends, "extras": extras}, references)
                parts[name] = layout.digest(data)
                files[parts[name]] = data
        collections: dict[str, layout.Collection] = {}
        for path, current in found.items():
            collection, first = layout.update_collection(self._collections.get(path), current, additive=additive)
            if collection is not self._collections.get(path):
                names = collection.chunks[:first]
                for index in range(first, -(-len(collection.records) // layout.CHUNK)):
                    data = layout.chunk_bytes(collection, index)
                    names.append(layout.digest(data))
                    files[names[-1]] = data
                collection.chunks = names
            collections[path] = collection
        return parts, collections, files

    def _account(self, started: float, *, wrote: bool) -> None:
        elapsed = (time.perf_counter() - started) * 1000
        stats = self.stats
        stats.last_ms = elapsed
        stats.last_bytes = self.files.total_bytes()
        stats.max_ms = max(stats.max_ms, elapsed)
        stats.total_ms += elapsed
        if wrote:
            stats.writes += 1
        else:
            stats.skipped += 1

    # ---- loading --------------------------------------------------------------------------
    def load(self) -> LoadResult:
        """Put the saved backends back into moto; a state that cannot be used is kept aside and reported."""
        from workshop_lib.sandbox.server import persist_load

        if not self.journal.path.exists():
            self.files.remove_unnamed()  # a first save killed before its commit
            result = persist_load.load_legacy(self) if self.path.exists() else LoadResult()
        else:
            result = persist_load.load_manifest(self)
        self._shape = _shape()
        return result

    def verified(self, raw: bytes, magic: bytes = b"", what: str = "", separator: bytes = b"\n") -> bytes:
        """The bytes after the HMAC once it matches; ValueError (nothing unpickled) otherwise."""
        if not raw.startswith(magic):
            raise ValueError(f"it is not a {what} this sandbox wrote")
        mac, _, data = raw[len(magic):].partition(separator)
        key = self._hmac_key(create=False)
        if key is None:
            raise ValueError(f"its key {KEY_NAME} is missing")
        expected = hmac.new(key, data, hashlib.sha256).hexdigest().encode("ascii")
        if not hmac.compare_digest(mac, expected):
            raise ValueError("its HMAC does not match")
        return data

    def restored(self, parts: dict[str, str], collections: dict[str, layout.Collection]) -> None:
        """After a load: the next save starts from what is on disk."""
        self._parts, self._collections = dict(parts), collections
        self.files.on_disk = {*parts.values(), *(name for c in collections.values() for name in c.chunks)}
        self.files.remove_unnamed()

    def move_aside(self, primary: Path) -> Path:
        """The unusable state (``primary`` and the parts) out of the way, kept for a look; ``primary``'s new path."""
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        for path in (primary, self.files.folder):
            with contextlib.suppress(OSError):
                os.replace(path, path.with_name(f"{path.name}.broken-{stamp}"))
        self.files.on_disk = set()
        return primary.with_name(f"{primary.name}.broken-{stamp}")

    def forget(self) -> None:
        """After a reset: the next save writes whatever the (now empty) state is."""
        self._parts, self._collections, self._shape = None, {}, None


def clear_extras() -> None:
    """What moto's reset leaves behind on the backend dicts themselves."""
    for backend_dict in _backend_dicts().values():
        if hasattr(backend_dict, "master_accounts"):
            backend_dict.master_accounts.clear()

