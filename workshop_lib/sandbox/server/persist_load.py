"""Loading the sandbox's saved state (see :mod:`persistence`): every check passes before anything is installed.

The manifest's HMAC is checked, then every file it names against its digest, and only then is anything
unpickled; the backends are checked to be of the classes moto (or the sandbox) uses for each service
before any is installed. A state that fails is moved aside and the sandbox starts empty, with a sentence
that says why. ``store`` is persistence's StateStore (not imported: it imports this module).
"""

from __future__ import annotations

import json
import pickle
from typing import Any

from workshop_lib.sandbox.server import persist_layout as layout
from workshop_lib.sandbox.server.persist_layout import FORMAT, LEGACY_FORMAT, MAGIC, LoadResult
from workshop_lib.sandbox.server.persist_layout import backend_dicts as _backend_dicts
from workshop_lib.sandbox.server.persist_layout import moto_version as _moto_version


def load_manifest(store: Any) -> LoadResult:
    result = LoadResult()
    try:
        manifest = _manifest(store.verified(store.journal.last(), separator=b" "))
        parts = {name: store.files.read_verified(file) for name, file in manifest["parts"].items()}
        chunks = {path: [store.files.read_verified(file) for file in files] for path, files in manifest["collections"].items()}
    except (OSError, ValueError) as exc:  # never unpickled: it may have been planted
        aside = store.move_aside(store.journal.path)
        result.warning = (f"The saved sandbox state {store.journal.path.name} failed its integrity check ({exc}), so it "
                          f"was not loaded; it was kept as {aside.name} and the sandbox started empty.")
        return result
    try:
        if manifest.get("format") != FORMAT:
            raise ValueError("unknown state format")
        if manifest.get("moto") != _moto_version():
            raise ValueError(f"saved by moto {manifest.get('moto')}, running moto {_moto_version()}")
        collections: dict[str, layout.Collection] = {}
        for path, datas in chunks.items():
            collection = layout.Collection(chunks=list(manifest["collections"][path]))
            for data in datas:
                keys, values, records = layout.read_chunk(data)
                collection.keys += keys
                collection.values += values
                collection.records += records
            collections[path] = collection
        dicts = {path: dict(zip(c.keys, c.values)) for path, c in collections.items()}
        if any(len(dicts[path]) != len(c.keys) for path, c in collections.items()):
            raise ValueError("a collection holds the same key twice")
        payloads = {name: layout.unpickle_part(data, dicts) for name, data in parts.items()}
        services = {name: p["backends"] if isinstance(p, dict) else p for name, p in payloads.items()}
        _check_types(services)
        extras = {name: p.get("extras", {}) for name, p in payloads.items()}
        _install(services, extras)
    except Exception as exc:  # a broken or foreign state must not stop the sandbox from starting
        aside = store.move_aside(store.journal.path)
        result.warning = (f"The saved sandbox state could not be loaded ({exc}); it was kept as {aside.name} "
                          "and the sandbox started empty.")
        return result
    store.restored(manifest["parts"], collections)
    result.restored = True
    result.resources = _count(services)
    return result


def load_legacy(store: Any) -> LoadResult:
    """Format 1: one file, ``state.pickle``, with the HMAC of its one pickle."""
    result = LoadResult()
    try:
        data = store.verified(store.path.read_bytes(), MAGIC, "state file")
    except (OSError, ValueError) as exc:  # never unpickled: it may have been planted
        aside = store.move_aside(store.path)
        result.warning = (f"The saved sandbox state {store.path.name} failed its integrity check ({exc}), so it was "
                          f"not loaded; it was kept as {aside.name} and the sandbox started empty.")
        return result
    try:
        payload = pickle.loads(data)
        if not isinstance(payload, dict) or payload.get("format") != LEGACY_FORMAT:
            raise ValueError("unknown state format")
        if payload.get("moto") != _moto_version():
            raise ValueError(f"saved by moto {payload.get('moto')}, running moto {_moto_version()}")
        _check_types(payload.get("services"))
        _install(payload["services"], payload.get("extras", {}))
    except Exception as exc:
        aside = store.move_aside(store.path)
        result.warning = (f"The saved sandbox state could not be loaded ({exc}); it was kept as {aside.name} "
                          "and the sandbox started empty.")
        return result
    result.restored = True
    result.resources = _count(payload["services"])
    return result


def _manifest(data: bytes) -> dict[str, Any]:
    payload = json.loads(data)
    if not isinstance(payload, dict) or not isinstance(payload.get("parts"), dict) \
            or not isinstance(payload.get("collections"), dict) \
            or not all(isinstance(files, list) for files in payload["collections"].values()):
        raise ValueError("its manifest is not one this sandbox writes")
    return payload


def _install(services: dict[str, Any], extras: dict[str, Any]) -> None:
    dicts = _backend_dicts()
    for name, accounts in services.items():
        backend_dict = dicts.get(name)
        if backend_dict is None:
            continue
        for account, regions in accounts.items():
            per_account = backend_dict[account]  # creates the account entry and registers it for reset
            for region, region_backend in regions.items():
                dict.__setitem__(per_account, region, region_backend)
    for name, extra in extras.items():
        backend_dict = dicts.get(name)
        if backend_dict is not None and isinstance(extra, dict) and "master_accounts" in extra:
            backend_dict.master_accounts.clear()
            backend_dict.master_accounts.update(extra["master_accounts"])


def _check_types(services: Any) -> None:
    """Every saved backend is of the class moto (or the sandbox) uses for that service, before any is installed."""
    dicts = _backend_dicts()
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
