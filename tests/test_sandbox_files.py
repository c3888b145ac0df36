"""The sandbox's files: the learner's alone, never trusted before an integrity check, and a log that rotates."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import pickle
import stat

import pytest

from workshop_lib.errors import SandboxError
from workshop_lib.sandbox.client import control
from sandbox_seed import sandbox_client

pytestmark = pytest.mark.sandbox
MAGIC = b"connect-sso-workshop sandbox state, HMAC-SHA256\n"  # the single file of format 1
JOURNAL_MAGIC = b"connect-sso-workshop sandbox state journal, HMAC-SHA256\n"


@pytest.fixture()
def home(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKSHOP_SANDBOX_HOME", raising=False)
    yield tmp_path / "home"
    control.stop(tmp_path / "home")


class _Planted:
    """Unpickling this runs code: it writes a marker file."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _serves(info) -> None:
    assert sandbox_client(info.endpoint, "connect").list_instances()["InstanceSummaryList"] == []
    assert sandbox_client(info.endpoint, "sts").get_caller_identity()["Account"] == "123456789012"


def _journal(state, key: bytes, manifest: dict, *, forge: bool = False) -> None:
    """A state journal whose one line names ``manifest``, with its HMAC (or a forged one)."""
    data = json.dumps(manifest).encode()
    mac = b"0" * 64 if forge else hmac.new(key, data, hashlib.sha256).hexdigest().encode()
    (state / "state.journal").write_bytes(JOURNAL_MAGIC + mac + b" " + data + b"\n")


def _part(state, data: bytes) -> str:
    name = hashlib.blake2b(data, digest_size=32).hexdigest()
    (state / "parts").mkdir(exist_ok=True)
    (state / "parts" / name).write_bytes(data)
    return name


@pytest.mark.parametrize("kind", ["bare-pickle", "forged-hmac", "journal-forged-hmac"])
def test_a_planted_state_file_is_never_unpickled(home, tmp_path, kind):
    marker = tmp_path / "planted-code-ran"
    state = home / "sandbox" / "state"
    state.mkdir(parents=True, mode=0o700)
    (home / "sandbox").chmod(0o700)
    (state / "state.key").write_text(os.urandom(32).hex())
    planted = pickle.dumps({"format": 1, "x": _Planted(str(marker))})
    if kind == "journal-forged-hmac":  # the part matches its digest; only the manifest's HMAC is forged
        import moto

        _journal(state, b"", {"format": 2, "moto": moto.__version__, "parts": {"iam": _part(state, planted)},
                              "collections": {}}, forge=True)
        kept = "state.journal"
    else:
        (state / "state.pickle").write_bytes((b"" if kind == "bare-pickle" else MAGIC + b"0" * 64 + b"\n") + planted)
        kept = "state.pickle"
    info = control.start(home)
    assert not marker.exists()
    warning = control.health(home)["state_warning"]
    assert "failed its integrity check" in warning and "started empty" in warning
    assert not (state / kept).exists()
    assert [p.name for p in state.iterdir() if p.name.startswith(f"{kept}.broken-")]
    _serves(info)


@pytest.mark.parametrize("layout", ["journal", "single-file"])
def test_wrong_typed_state_is_named_and_moved_aside(home, layout):
    info = control.start(home)
    control.stop(home)
    state = home / "sandbox" / "state"
    import moto

    key = bytes.fromhex((state / "state.key").read_text())
    if layout == "journal":
        part = _part(state, pickle.dumps({"backends": {"123456789012": {"aws": "a string"}}, "extras": {}}))
        _journal(state, key, {"format": 2, "moto": moto.__version__, "parts": {"iam": part}, "collections": {}})
    else:
        (state / "state.journal").unlink()
        data = pickle.dumps({"format": 1, "moto": moto.__version__, "services": {"iam": {"123456789012": {"aws": "a string"}}},
                             "extras": {}})
        mac = hmac.new(key, data, hashlib.sha256).hexdigest().encode()
        (state / "state.pickle").write_bytes(MAGIC + mac + b"\n" + data)
    info = control.start(home)
    warning = control.health(home)["state_warning"]
    assert "iam in 'aws' holds a str, not a IAMBackend" in warning
    assert "started empty" in warning
    _serves(info)


def test_a_home_others_can_write_is_refused(home):
    home.mkdir(mode=0o700)
    home.chmod(0o777)
    with pytest.raises(SandboxError) as refused:
        control.start(home)
    assert "Other users can write to the workshop folder" in refused.value.message
    assert "chmod" in refused.value.fix
    assert control.status(home) is None
    assert not (home / "sandbox" / "credentials.json").exists()


@pytest.mark.skipif(os.name != "posix" or os.getuid() != 0, reason="needs root to give a folder to another user")
def test_a_home_owned_by_someone_else_is_refused(home):
    home.mkdir(mode=0o700)
    os.chown(home, 65534, 65534)
    with pytest.raises(SandboxError) as refused:
        control.start(home)
    assert "belongs to another user" in refused.value.message
    assert control.status(home) is None


def test_everything_in_the_sandbox_folder_is_private(home):
    info = control.start(home)
    sandbox_client(info.endpoint, "organizations").create_organization(FeatureSet="ALL")  # a state save
    for path in [home / "sandbox", *(home / "sandbox").rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), f"{path.relative_to(home)} is {oct(mode)}"
    assert stat.S_IMODE(home.stat().st_mode) & 0o022 == 0


def test_the_log_rotates(tmp_path):
    from workshop_lib.sandbox.server.app import _configure_logging

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        _configure_logging(tmp_path / "server.log")
        for _ in range(2500):
            logging.getLogger("workshop.sandbox").info("x" * 1000)
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:], root.level = saved
    assert (tmp_path / "server.log").stat().st_size <= 1_000_000
    assert (tmp_path / "server.log.1").exists() and (tmp_path / "server.log.2").exists()
    assert not (tmp_path / "server.log.4").exists()  # three old files kept, no more
