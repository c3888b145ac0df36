"""The sandbox's state on disk as parts: what a request changed is written, the rest is left as it is.

Layout of ``<home>/sandbox/state/``::

    state.manifest      MAGIC, HMAC-SHA256 of the JSON below, the JSON: the moto version, and for every
                        part and every chunk of a collection the name of its file
    state.key           the HMAC key (32 random bytes, hex, 0600)
    parts/<blake2b>     one pickle per service (its backends without their large collections), and the
                        collections' records in chunks of CHUNK records; each file is named by the
                        BLAKE2b-256 digest of its bytes, so a file is never rewritten in place

A save writes the files the manifest does not name yet, then replaces the manifest (the commit), then
deletes the files only the old manifest named. A SIGKILL at any moment leaves the old manifest with all
of its files, or the new one with all of its files; files no manifest names are removed at the next
start. The manifest is authenticated by its HMAC and names each file by the digest of its bytes, so a
planted or changed file is refused before anything is unpickled.

The large collections (``collections_of``) grow with the number of people: the identity store's users,
groups and memberships, and the Connect users the sandbox keeps itself. Their records are pickled one by
one and the bytes kept, so a request that only adds records (``ADDITIVE``) pickles only the new ones; the
rest of each service (moto's IAM, Organizations, the applications) is small and pickled again on every
write. The records of those collections are self-contained (strings, dicts, named tuples, dataclasses),
so pickling them apart from their backend loses no shared object.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from workshop_lib.files import atomic_write

FORMAT = 2
LEGACY_FORMAT = 1
JOURNAL_NAME = "state.journal"
FILE_NAME = "state.pickle"  # the single file of format 1
KEY_NAME = "state.key"
MAGIC = b"connect-sso-workshop sandbox state, HMAC-SHA256\n"
JOURNAL_MAGIC = b"connect-sso-workshop sandbox state journal, HMAC-SHA256\n"
# moto's backends the workshop touches; each is stored as {account: {region: backend}}.
MOTO_SERVICES = ("iam", "sts", "organizations", "connect", "identitystore", "ssoadmin")
CHUNK = 64  # records per chunk file: an added record rewrites at most one chunk of this many
PROTOCOL = pickle.HIGHEST_PROTOCOL
PARTS_DIR = "parts"


@dataclass
class LoadResult:
    restored: bool = False
    warning: str = ""
    resources: dict[str, int] = field(default_factory=dict)


_DICTS: dict[str, Any] = {}


def backend_dicts() -> dict[str, Any]:
    """moto's BackendDict of each service, and the sandbox's: module-level objects, looked up once."""
    if not _DICTS:
        from moto.backends import get_backend

        from workshop_lib.sandbox.server.backend import workshop_backends

        dicts = {name: get_backend(name) for name in MOTO_SERVICES}  # type: ignore[arg-type]
        dicts["workshop"] = workshop_backends
        _DICTS.update(dicts)
    return _DICTS


def moto_version() -> str:
    import moto

    return getattr(moto, "__version__", "unknown")


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=32).hexdigest()


def collections_of(service: str, account: str, region: str, backend: Any) -> Iterator[tuple[str, dict[Any, Any]]]:
    """The large collections of one backend, each with a path that names it from one save to the next."""
    base = f"{service}/{account}/{region}"
    if service == "identitystore":  # moto's IdentityStoreData: dicts of User and Group named tuples and membership dicts
        for store_id, store in dict.items(backend.identity_stores):
            for attribute in ("users", "groups", "group_memberships"):
                yield f"{base}/{store_id}/{attribute}", getattr(store, attribute)
    elif service == "workshop":  # backend.ConnectInstanceExtras.users: ConnectUser dataclasses
        for instance_id, extras in dict.items(backend.connect):
            yield f"{base}/connect/{instance_id}/users", extras.users


@dataclass
class Collection:
    """One large collection as last saved: its keys, its values (for the identity check) and their pickles."""

    keys: list[Any] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)
    records: list[bytes] = field(default_factory=list)
    chunks: list[str] = field(default_factory=list)  # file names


class _SkeletonPickler(pickle.Pickler):
    """Pickles a service's backends with each large collection replaced by a reference to its path."""

    def __init__(self, stream: Any, references: dict[int, str]) -> None:
        super().__init__(stream, protocol=PROTOCOL)
        self._references = references

    def persistent_id(self, obj: Any) -> Any:  # called for every object: one dict lookup
        return self._references.get(id(obj))


class _SkeletonUnpickler(pickle.Unpickler):
    def __init__(self, stream: Any, collections: dict[str, dict[Any, Any]]) -> None:
        super().__init__(stream)
        self._collections = collections

    def persistent_load(self, pid: Any) -> Any:
        if not isinstance(pid, str) or pid not in self._collections:
            raise pickle.UnpicklingError(f"a part names a collection the manifest does not list ({pid!r})")
        return self._collections[pid]


def pickle_part(payload: Any, references: dict[int, str]) -> bytes:
    stream = io.BytesIO()
    _SkeletonPickler(stream, references).dump(payload)
    return stream.getvalue()


def unpickle_part(data: bytes, collections: dict[str, dict[Any, Any]]) -> Any:
    return _SkeletonUnpickler(io.BytesIO(data), collections).load()


def update_collection(saved: Collection | None, current: dict[Any, Any], *, additive: bool) -> tuple[Collection, int]:
    """The collection's records after this request, and the index of the first chunk that may have changed.

    Only after an additive request are the saved pickles kept, and only when the saved entries are still the
    first ones (``_still_first``). Otherwise every record is pickled again.
    """
    if saved is not None and additive and _still_first(saved, current):
        count = len(saved.keys)
        if count == len(current):
            return saved, len(saved.chunks)
        new_items = list(itertools.islice(current.items(), count, None))
        updated = Collection(saved.keys + [k for k, _ in new_items], saved.values + [v for _, v in new_items],
                             saved.records + [pickle.dumps(item, protocol=PROTOCOL) for item in new_items],
                             saved.chunks[:count // CHUNK])
        return updated, count // CHUNK
    fresh = Collection(list(current.keys()), list(current.values()),
                       [pickle.dumps(item, protocol=PROTOCOL) for item in current.items()])
    return fresh, 0


def _still_first(saved: Collection, current: dict[Any, Any]) -> bool:
    """The saved entries are still there, first: checked by the last of them, in constant time. An additive request
    (persistence.ADDITIVE_OPERATIONS) removes and replaces nothing by its definition; this catches the slip of a
    rebuilt or replaced collection, never pickling every record again just to compare."""
    count = len(saved.keys)
    return len(current) >= count and (not count or current.get(saved.keys[-1], _MISSING) is saved.values[-1])


_MISSING = object()


def chunk_bytes(collection: Collection, index: int) -> bytes:
    return b"".join(collection.records[index * CHUNK:(index + 1) * CHUNK])


def read_chunk(data: bytes) -> tuple[list[Any], list[Any], list[bytes]]:
    """A chunk's (key, value) records, one pickle after another; with each record's bytes, kept for the next save."""
    keys, values, records = [], [], []
    stream = io.BytesIO(data)
    position = 0
    while position < len(data):
        key, value = pickle.load(stream)
        end = stream.tell()
        keys.append(key)
        values.append(value)
        records.append(data[position:end])
        position = end
    return keys, values, records


class PartFiles:
    """The content-addressed files under ``parts/``: written once, checked against the manifest, deleted when unnamed."""

    def __init__(self, state_dir: Path) -> None:
        self.folder = Path(state_dir) / PARTS_DIR
        self.on_disk: set[str] = set()  # the files the current manifest names
        self.sizes: dict[str, int] = {}

    def write_new(self, files: dict[str, bytes]) -> int:
        """Write the files not on disk yet; the bytes written.

        Each is a new file (no rename, no fsync): a killed process leaves a file no manifest names, removed at
        the next start. Renaming over an existing file costs far more on ext4, which flushes the new file first.
        """
        written = 0
        for name, data in files.items():
            if name not in self.on_disk:
                _write_file(self.folder / name, data, append=False)
                written += len(data)
        return written

    def committed(self, named: set[str], files: dict[str, bytes]) -> None:
        """After the manifest naming ``named`` replaced the old one: delete what only the old one named."""
        for name in self.on_disk - named:
            with contextlib.suppress(OSError):
                os.unlink(self.folder / name)
            self.sizes.pop(name, None)
        self.on_disk = set(named)
        for name in named:
            if name in files:
                self.sizes[name] = len(files[name])

    def total_bytes(self) -> int:
        return sum(self.sizes.values())

    def read_verified(self, name: str) -> bytes:
        """The file's bytes once they match the digest the (authenticated) manifest names; ValueError otherwise."""
        if len(name) != 64 or any(c not in "0123456789abcdef" for c in name):
            raise ValueError(f"the manifest names a part {name[:80]!r} that is not a digest")
        try:
            data = (self.folder / name).read_bytes()
        except FileNotFoundError:
            raise ValueError(f"its part {PARTS_DIR}/{name[:12]}… is missing") from None
        if digest(data) != name:
            raise ValueError(f"its part {PARTS_DIR}/{name[:12]}… does not match the manifest")
        self.sizes[name] = len(data)
        return data

    def remove_unnamed(self) -> None:
        """At start: files of a save a SIGKILL interrupted before its commit, and temporary files."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.name not in self.on_disk:
                with contextlib.suppress(OSError):
                    path.unlink()


def _write_file(path: Path, data: bytes, *, append: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    try:
        fd = os.open(path, flags, 0o600)  # 0600: the applications' private signing keys are in here
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, flags, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


class Journal:
    """The manifests, one authenticated line each, appended: a commit is one write, the last whole line counts.

    ``MAGIC``, then lines ``<HMAC-SHA256 hex> <manifest JSON>``. A SIGKILL during an append leaves a last line
    without its newline, which is ignored; the next commit starts a new journal (written beside and renamed
    over), as does one that grew past ``LIMIT`` bytes.
    """

    LIMIT = 1_000_000

    def __init__(self, path: Path, magic: bytes) -> None:
        self.path = path
        self.magic = magic
        self.size = 0  # 0: start a new journal at the next commit

    def append(self, line: bytes) -> None:
        if self.size == 0 or self.size + len(line) > self.LIMIT:
            atomic_write(self.path, self.magic + line, durable=False)
            self.size = len(self.magic) + len(line)
        else:
            _write_file(self.path, line, append=True)
            self.size += len(line)

    def last(self) -> bytes:
        """The last whole line after the magic; ValueError when there is none, or the file is not a journal."""
        raw = self.path.read_bytes()
        if not raw.startswith(self.magic):
            raise ValueError("it is not a state journal this sandbox wrote")
        body = raw[len(self.magic):]
        end = body.rfind(b"\n")
        if end < 0:
            raise ValueError("it holds no whole entry")
        start = body.rfind(b"\n", 0, end) + 1
        return body[start:end]


def manifest_json(moto_version: str, parts: dict[str, str], collections: dict[str, list[str]], fmt: int) -> bytes:
    return json.dumps({"format": fmt, "moto": moto_version, "parts": parts, "collections": collections},
                      sort_keys=True, separators=(",", ":")).encode("utf-8")
