"""The settings file: defaults, atomic writes, ledger, corrupt and foreign files, no secrets."""

import json
import multiprocessing
import os

import pytest

from workshop_lib import settings as st
from workshop_lib.errors import SettingsError


@pytest.fixture()
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_missing_file_gives_sandbox_defaults(home):
    s = st.load()
    assert s.target == "sandbox"
    assert s.ledger == []
    assert not (home / "settings.json").exists()


def test_save_then_load_round_trips_the_ledger(home):
    s = st.Settings(region="eu-west-2", instance_id="178c75e4-b3de-4839-a6aa-e321ab3f3770")
    s.record("iam.role", "AmazonConnectAgentAccessRole", arn="arn:aws:iam::123456789012:role/AmazonConnectAgentAccessRole", id="AROAEXAMPLE")
    st.save(s)
    again = st.load()
    assert again.region == "eu-west-2"
    entry = again.find("iam.role", "AmazonConnectAgentAccessRole")
    assert entry is not None and entry.id == "AROAEXAMPLE"
    data = json.loads((home / "settings.json").read_text())
    assert data["schema"] == st.SCHEMA and data["version"] == st.SCHEMA_VERSION


def test_recording_the_same_resource_twice_keeps_one_entry(home):
    s = st.Settings()
    s.record("iam.policy", "AmazonConnectSSOPolicy", arn="arn:1")
    s.record("iam.policy", "AmazonConnectSSOPolicy", origin="created")
    assert len(s.of_kind("iam.policy")) == 1
    assert s.find("iam.policy", "AmazonConnectSSOPolicy").arn == "arn:1"


def test_what_the_workshop_found_never_becomes_its_own_and_a_pending_entry_becomes_what_is_recorded_next(home):
    s = st.Settings()
    s.record("identitystore.user", "employee@example.com", id="u-1", origin="found")
    s.record("identitystore.user", "employee@example.com", origin="created")  # a later run must not claim it
    assert s.find("identitystore.user", "employee@example.com").origin == "found"
    s.record("identitystore.user", "new@example.com", origin="pending")
    assert s.find("identitystore.user", "new@example.com").ours
    s.record("identitystore.user", "new@example.com", id="u-2", origin="created")
    assert s.find("identitystore.user", "new@example.com").origin == "created"
    s.record("identitystore.user", "new@example.com", origin="found")  # made by us: stays ours
    assert s.find("identitystore.user", "new@example.com").origin == "created"
    with pytest.raises(ValueError):
        s.record("iam.role", "X", origin="mine")


def test_a_batch_of_records_ends_as_the_same_records_one_by_one(home):
    batch = [("identitystore.user", "employee@example.com", {"id": "u-1", "origin": "found"}),
             ("identitystore.user", "new@example.com", {"origin": "pending"}),
             ("identitystore.user", "employee@example.com", {"origin": "created"}),
             ("identitystore.user", "new@example.com", {"id": "u-2", "origin": "created"}),
             ("identitystore.user", "new@example.com", {"origin": "found"}),
             ("connect.user", "new@example.com", {"id": "c-2", "arn": "arn:c-2"})]
    one_by_one, batched = st.load(), st.load()
    one_by_one.record("iam.role", "Existing", origin="pending")
    batched.record("iam.role", "Existing", origin="pending")
    for kind, name, fields in batch + [("iam.role", "Existing", {"id": "AROA1"})]:
        one_by_one.record(kind, name, **fields)
    entries = batched.record_many(batch + [("iam.role", "Existing", {"id": "AROA1"})])
    view = lambda s: [(e.kind, e.name, e.id, e.arn, e.origin) for e in s.ledger]  # noqa: E731
    assert view(batched) == view(one_by_one)
    assert len(batched.ledger) == 4 and entries[1] is entries[3] is batched.find("identitystore.user", "new@example.com")
    assert batched.find("identitystore.user", "employee@example.com").origin == "found"
    assert batched.find("iam.role", "Existing").id == "AROA1"


def test_corrupt_file_is_kept_as_backup_and_reported(home):
    home.mkdir(parents=True)
    (home / "settings.json").write_text("{not json")
    with pytest.raises(SettingsError) as err:
        st.load()
    assert "not valid JSON" in str(err.value)
    backups = list(home.glob("settings.json.broken-*"))
    assert len(backups) == 1 and backups[0].read_text() == "{not json"
    assert st.load().target == "sandbox"  # the next load starts fresh


def test_foreign_json_file_is_not_overwritten(home):
    home.mkdir(parents=True)
    (home / "settings.json").write_text('{"theme": "dark"}')
    with pytest.raises(SettingsError, match="not a connect-sso-workshop settings file"):
        st.load()
    assert json.loads(next(home.glob("settings.json.broken-*")).read_text()) == {"theme": "dark"}


def test_newer_schema_is_refused_and_left_in_place(home):
    home.mkdir(parents=True)
    (home / "settings.json").write_text(json.dumps({"schema": st.SCHEMA, "version": 99}))
    with pytest.raises(SettingsError, match="newer"):
        st.load()
    assert (home / "settings.json").exists()


def test_unknown_target_is_reported(home):
    home.mkdir(parents=True)
    (home / "settings.json").write_text(json.dumps({"schema": st.SCHEMA, "version": 1, "target": "azure"}))
    with pytest.raises(SettingsError, match="not one of sandbox, rehearsal, aws"):
        st.load()


def test_credentials_are_refused(home):
    s = st.Settings()
    s.confirmed["aws_secret_access_key"] = "x"
    with pytest.raises(SettingsError, match="credential"):
        st.save(s)
    assert not (home / "settings.json").exists()


def test_failed_write_leaves_the_old_file_intact(home, monkeypatch):
    st.save(st.Settings(region="eu-west-2"))

    def boom(*args, **kwargs):
        raise OSError("disk full")

    with monkeypatch.context() as m:
        m.setattr(os, "replace", boom)
        with pytest.raises(OSError):
            st.save(st.Settings(region="ap-southeast-2"))
    assert st.load().region == "eu-west-2"
    assert [p.name for p in home.iterdir() if p.name.endswith(".tmp")] == []


def _add_entries(home_dir, worker, count):
    os.environ["WORKSHOP_HOME"] = home_dir
    for i in range(count):
        with st.update() as s:
            s.record("test.item", f"{worker}-{i}")


def test_concurrent_updates_lose_nothing(home):
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_add_entries, args=(str(home), w, 15)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert len(st.load().of_kind("test.item")) == 45


def test_a_context_parses_the_settings_again_only_when_the_file_changed(tmp_path, monkeypatch):
    """A step reads ctx.settings many times: the file is parsed once while unchanged, and again after any
    change: an atomic write by another writer (a widget, the CLI) or an edit in place by hand."""
    from workshop_lib import settings as st
    from workshop_lib.context import Context

    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path))
    with st.update() as s:
        s.region = "eu-west-2"
        s.enter_account("123456789012")  # the sandbox's account is known: reading asks STS nothing
    parsed = []
    real_load = st.load
    monkeypatch.setattr(st, "load", lambda path=None: parsed.append(path) or real_load(path))
    ctx = Context()
    assert [ctx.settings.region for _ in range(5)] == ["eu-west-2"] * 5
    assert len(parsed) == 1
    with st.update() as s:  # another writer: os.replace gives the file a new inode
        s.region = "eu-central-1"
    assert ctx.settings.region == "eu-central-1"
    path = st.settings_path()
    path.write_text(path.read_text().replace("eu-central-1", "ap-southeast-2"))  # by hand, in place
    assert ctx.settings.region == "ap-southeast-2"
    path.unlink()
    assert ctx.settings.region == st.Settings().region
