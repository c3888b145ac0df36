"""Keep the sandbox's state on disk so that a restart (or a SIGKILL) loses nothing.

After every request the server pickles the backends the workshop uses (moto's IAM, STS,
Organizations, Connect, Identity Store, sso-admin, plus the sandbox's own) into one file, and
replaces the old file atomically only when the bytes changed. moto's recorder would replay the
requests with new random IDs; pickling keeps every ID and ARN. A snapshot of a whole workshop is
a few tens of KB and takes well under a few milliseconds (see ``stats``).

The file is tied to the moto version: a pickle from another version is moved aside, never loaded.
Nothing is unpickled before an integrity check a planted file cannot pass: the file carries an
HMAC-SHA256 of the pickle, keyed with a random key kept 0600 beside it (``state.key``). A file
without a valid HMAC, or whose backends are not of the types moto expects, is moved aside with a
sentence that says so, and the sandbox starts empty.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import hmac
import os
import pickle
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workshop_lib.files import atomic_write

FORMAT = 1
FILE_NAME = "state.pickle"
KEY_NAME = "state.key"
MAGIC = b"connect-sso-workshop sandbox state, HMAC-SHA256\n"
# moto's backends the workshop touches; each is stored as {account: {region: backend}}.
MOTO_SERVICES = ("iam", "sts", "organizations", "connect", "identitystore", "ssoadmin")


@dataclass
class PersistStats:
    writes: int = 0
    skipped: int = 0  # snapshots identical to the file on disk
    total_ms: float = 0.0
    last_ms: float = 0.0
    max_ms: float = 0.0
    last_bytes: int = 0

    def as_dict(self) -> dict[str, Any]:
        snapshots = self.writes + self.skipped
        return {
            "writes": self.writes,
            "skipped": self.skipped,
            "last_ms": round(self.last_ms, 3),
            "max_ms": round(self.max_ms, 3),
            "mean_ms": round(self.total_ms / snapshots, 3) if snapshots else 0.0,
            "bytes": self.last_bytes,
        }


@dataclass
class LoadResult:
    restored: bool = False
    warning: str = ""
    resources: dict[str, int] = field(default_factory=dict)


def _backend_dicts() -> dict[str, Any]:
    from moto.backends import get_backend

    from workshop_lib.sandbox.server.backend import workshop_backends

    dicts = {name: get_backend(name) for name in MOTO_SERVICES}  # type: ignore[arg-type]
    dicts["workshop"] = workshop_backends
    return dicts


def _moto_version() -> str:
    import moto

    return getattr(moto, "__version__", "unknown")


class StateStore:
    """The state file under ``<home>/sandbox/state/``; callers serialise access (the server's lock)."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / FILE_NAME
        self.stats = PersistStats()
        self._digest: bytes | None = None
        self._key: bytes | None = None

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
    def snapshot(self) -> bytes:
        services: dict[str, Any] = {}
        extras: dict[str, Any] = {}
        for name, backend_dict in _backend_dicts().items():
            services[name] = {
                account: dict(dict.items(per_account)) for account, per_account in dict.items(backend_dict)
            }
            if hasattr(backend_dict, "master_accounts"):  # organizations keeps member accounts on the dict
                extras[name] = {"master_accounts": dict(backend_dict.master_accounts)}
        payload = {"format": FORMAT, "moto": _moto_version(), "services": services, "extras": extras}
        return pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)

    def save_if_changed(self) -> bool:
        """Write the current state when it differs from the file; True when written."""
        started = time.perf_counter()
        data = self.snapshot()
        digest = hashlib.blake2b(data, digest_size=16).digest()
        if digest == self._digest:
            self._account(started, len(data), wrote=False)
            return False
        self._write(data)
        self._digest = digest
        self._account(started, len(data), wrote=True)
        return True

    def _account(self, started: float, size: int, *, wrote: bool) -> None:
        elapsed = (time.perf_counter() - started) * 1000
        stats = self.stats
        stats.last_ms, stats.last_bytes = elapsed, size
        stats.max_ms = max(stats.max_ms, elapsed)
        stats.total_ms += elapsed
        if wrote:
            stats.writes += 1
        else:
            stats.skipped += 1

    def _write(self, data: bytes) -> None:
        # After every request: a killed server restarts from the old file or the new one. No fsync (cost).
        key = self._hmac_key(create=True)
        assert key is not None
        mac = hmac.new(key, data, hashlib.sha256).hexdigest().encode("ascii")
        # 0600: the applications' private signing keys are in here
        atomic_write(self.path, MAGIC + mac + b"\n" + data, durable=False)

    # ---- loading --------------------------------------------------------------------------
    def load(self) -> LoadResult:
        """Put the saved backends back into moto; a file that cannot be used is kept aside and reported."""
        result = LoadResult()
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return result
        try:
            data = self._verified(raw)
        except ValueError as exc:  # never unpickled: it may have been planted
            aside = self._move_aside()
            result.warning = (f"The saved sandbox state {self.path.name} failed its integrity check ({exc}), so it was "
                              f"not loaded; it was kept as {aside.name} and the sandbox started empty.")
            return result
        try:
            payload = pickle.loads(data)
            if not isinstance(payload, dict) or payload.get("format") != FORMAT:
                raise ValueError("unknown state format")
            if payload.get("moto") != _moto_version():
                raise ValueError(f"saved by moto {payload.get('moto')}, running moto {_moto_version()}")
            _check_types(payload)
            self._install(payload)
        except Exception as exc:  # a broken or foreign file must not stop the sandbox from starting
            aside = self._move_aside()
            result.warning = (
                f"The saved sandbox state could not be loaded ({exc}); it was kept as {aside.name} "
                "and the sandbox started empty."
            )
            return result
        self._digest = hashlib.blake2b(data, digest_size=16).digest()
        result.restored = True
        result.resources = _count(payload["services"])
        return result

    def _verified(self, raw: bytes) -> bytes:
        """The pickle inside ``raw`` once its HMAC matches; ValueError (nothing unpickled) otherwise."""
        if not raw.startswith(MAGIC):
            raise ValueError("it is not a state file this sandbox wrote")
        mac, _, data = raw[len(MAGIC):].partition(b"\n")
        key = self._hmac_key(create=False)
        if key is None:
            raise ValueError(f"its key {KEY_NAME} is missing")
        expected = hmac.new(key, data, hashlib.sha256).hexdigest().encode("ascii")
        if not hmac.compare_digest(mac, expected):
            raise ValueError("its HMAC does not match")
        return data

    def _install(self, payload: dict[str, Any]) -> None:
        dicts = _backend_dicts()
        for name, accounts in payload["services"].items():
            backend_dict = dicts.get(name)
            if backend_dict is None:
                continue
            for account, regions in accounts.items():
                per_account = backend_dict[account]  # creates the account entry and registers it for reset
                for region, region_backend in regions.items():
                    dict.__setitem__(per_account, region, region_backend)
        for name, extra in payload.get("extras", {}).items():
            backend_dict = dicts.get(name)
            if backend_dict is not None and "master_accounts" in extra:
                backend_dict.master_accounts.clear()
                backend_dict.master_accounts.update(extra["master_accounts"])

    def _move_aside(self) -> Path:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{FILE_NAME}.broken-{stamp}")
        with contextlib.suppress(OSError):
            os.replace(self.path, aside)
        return aside

    def forget(self) -> None:
        """After a reset: the next save writes whatever the (now empty) state is."""
        self._digest = None


def clear_extras() -> None:
    """What moto's reset leaves behind on the backend dicts themselves."""
    for backend_dict in _backend_dicts().values():
        if hasattr(backend_dict, "master_accounts"):
            backend_dict.master_accounts.clear()


def _check_types(payload: dict[str, Any]) -> None:
    """Every saved backend is of the class moto (or the sandbox) uses for that service, before any is installed."""
    dicts = _backend_dicts()
    services = payload.get("services")
    if not isinstance(services, dict):
        raise ValueError("its services are not a mapping")
    for name, accounts in services.items():
        backend_dict = dicts.get(name)
        if backend_dict is None:
            continue
        if not isinstance(accounts, dict):
            raise ValueError(f"{name}: not a mapping of accounts")
        for account, regions in accounts.items():
            if not isinstance(account, str) or not isinstance(regions, dict):
                raise ValueError(f"{name}: account {account!r} is not a mapping of Regions")
            for region, region_backend in regions.items():
                if not isinstance(region, str) or type(region_backend) is not backend_dict.backend:
                    raise ValueError(f"{name} in {region!r} holds a {type(region_backend).__name__}, "
                                     f"not a {backend_dict.backend.__name__}")


def _count(services: dict[str, Any]) -> dict[str, int]:
    return {name: sum(len(regions) for regions in accounts.values()) for name, accounts in services.items()}
