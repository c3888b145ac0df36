"""The sandbox saves what a request changed: reads write nothing, an added person rewrites one chunk, and every
state a SIGKILL can leave behind (an answered write, a commit cut short) loads as a whole, consistent state."""

from __future__ import annotations

import os
import signal
import time

import pytest

from workshop_lib.sandbox.client import control
from sandbox_seed import sandbox_client, seed_workshop
from test_sandbox_persistence import inventory

pytestmark = pytest.mark.sandbox


@pytest.fixture()
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_SANDBOX_CREATE_SECONDS", "0.1")
    yield tmp_path
    control.stop(tmp_path)


def on_disk(home) -> dict[str, bytes]:
    """Every file of the saved state, by name, with its bytes."""
    state = home / "sandbox" / "state"
    return {str(p.relative_to(state)): p.read_bytes() for p in state.rglob("*") if p.is_file() and p.name != ".lock"}


def kill(info, home) -> None:
    os.kill(info.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while control._pid_alive(info.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert control.status(home) is None


def add_users(endpoint: str, store: str, first: int, count: int) -> list[str]:
    ids = sandbox_client(endpoint, "identitystore")
    return [ids.create_user(IdentityStoreId=store, UserName=f"person{i}@connect-workshop.com", DisplayName=f"Person {i}",
                            Name={"GivenName": "Person", "FamilyName": str(i)})["UserId"] for i in range(first, first + count)]


def test_read_only_requests_write_nothing(home):
    info = control.start(home)
    workshop = seed_workshop(info.endpoint, agents=("agent1@connect-workshop.com", "agent2@connect-workshop.com"))
    connect, ids = sandbox_client(info.endpoint, "connect"), sandbox_client(info.endpoint, "identitystore")

    def reads() -> None:
        connect.list_users(InstanceId=workshop.instance_id)
        connect.describe_user(InstanceId=workshop.instance_id, UserId=next(iter(workshop.connect_users.values())))
        ids.list_users(IdentityStoreId=workshop.identity_store_id)
        ids.get_group_id(IdentityStoreId=workshop.identity_store_id, AlternateIdentifier={
            "UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": "ConnectAgents"}})
        sandbox_client(info.endpoint, "iam").get_role(RoleName=workshop.role_name)
        sandbox_client(info.endpoint, "sts").get_caller_identity()
        sandbox_client(info.endpoint, "sso-admin").list_instances()

    reads()  # the first STS call makes moto's STS backend for us-east-1: saved, as a new backend always is
    before, writes = on_disk(home), control.health(home)["persist"]["writes"]
    reads()
    assert on_disk(home) == before
    assert control.health(home)["persist"]["writes"] == writes


def test_adding_a_person_rewrites_one_chunk_and_nothing_else(home):
    from workshop_lib.sandbox.server.persist_layout import CHUNK

    info = control.start(home)
    workshop = seed_workshop(info.endpoint)
    add_users(info.endpoint, workshop.identity_store_id, 1, CHUNK + 3)  # a full chunk, and three in the next
    before = on_disk(home)
    add_users(info.endpoint, workshop.identity_store_id, CHUNK + 10, 1)
    after = on_disk(home)
    parts_before = {n for n in before if n.startswith("parts/")}
    parts_after = {n for n in after if n.startswith("parts/")}
    assert len(parts_after - parts_before) == 1 and len(parts_before - parts_after) == 1  # the last chunk, replaced
    assert after["state.journal"].startswith(before["state.journal"])  # the commit: one line appended
    assert after["state.journal"].count(b"\n") == before["state.journal"].count(b"\n") + 1
    written = control.health(home)["persist"]
    assert written["bytes"] > 10 * len(after[next(iter(parts_after - parts_before))])  # the state is much larger


def api_view(endpoint: str, workshop) -> dict:
    """The people, through read-only API calls only (the console's routes save everything)."""
    connect, ids = sandbox_client(endpoint, "connect"), sandbox_client(endpoint, "identitystore")
    users = connect.list_users(InstanceId=workshop.instance_id)["UserSummaryList"]
    return {
        "identity store": sorted((u["UserId"], u["UserName"]) for u in ids.list_users(IdentityStoreId=workshop.identity_store_id)["Users"]),
        "connect": sorted((u["Id"], u["Username"], connect.describe_user(InstanceId=workshop.instance_id, UserId=u["Id"])
                           ["User"]["IdentityInfo"]["FirstName"]) for u in users),
    }


def test_a_sigkill_after_an_added_person_and_after_an_update_loses_neither(home):
    info = control.start(home)
    workshop = seed_workshop(info.endpoint, agents=("agent1@connect-workshop.com",))
    before = inventory(info.endpoint)
    added = add_users(info.endpoint, workshop.identity_store_id, 1, 2)
    connect = sandbox_client(info.endpoint, "connect")
    user_id = workshop.connect_users["agent1@connect-workshop.com"]
    # Not an additive operation: the Connect user changes in place, so every record is pickled again.
    connect.update_user_identity_info(InstanceId=workshop.instance_id, UserId=user_id,
                                      IdentityInfo={"FirstName": "Renamed", "LastName": "Agent"})
    connect.create_user(Username="agent9@connect-workshop.com", IdentityInfo={"FirstName": "Agent", "LastName": "9"},
                        PhoneConfig={"PhoneType": "SOFT_PHONE"}, SecurityProfileIds=[
                            connect.list_security_profiles(InstanceId=workshop.instance_id)["SecurityProfileSummaryList"][0]["Id"]],
                        RoutingProfileId=connect.list_routing_profiles(InstanceId=workshop.instance_id)["RoutingProfileSummaryList"][0]["Id"],
                        InstanceId=workshop.instance_id)
    answered = api_view(info.endpoint, workshop)
    assert ("agent1@connect-workshop.com", "Renamed") in {(name, first) for _, name, first in answered["connect"]}
    assert len(answered["connect"]) == 2 and {u for u, _ in answered["identity store"]} >= set(added)
    kill(info, home)

    second = control.start(home)
    assert not control.health(home)["state_warning"]
    assert api_view(second.endpoint, workshop) == answered
    after = inventory(second.endpoint)
    assert {k: v for k, v in after.items() if k != "users" and not k.startswith("connect ")} == \
        {k: v for k, v in before.items() if k != "users" and not k.startswith("connect ")}


def test_a_commit_cut_short_loads_the_state_before_it(home):
    info = control.start(home)
    workshop = seed_workshop(info.endpoint)
    before = inventory(info.endpoint)
    assert control.stop(home)
    state = home / "sandbox" / "state"
    journal = state / "state.journal"
    last = journal.read_bytes().rstrip(b"\n").rsplit(b"\n", 1)[-1]
    # What a SIGKILL between the part writes and the end of the commit leaves: a new part no whole line names,
    # and the commit's line cut off before its newline.
    (state / "parts" / ("0" * 64)).write_bytes(b"a part of a save that never committed")
    with open(journal, "ab") as handle:
        handle.write(last[: len(last) // 2])

    second = control.start(home)
    assert not control.health(home)["state_warning"]
    assert inventory(second.endpoint) == before
    assert not (state / "parts" / ("0" * 64)).exists()  # removed at start
    add_users(second.endpoint, workshop.identity_store_id, 1, 1)  # the next commit starts a whole journal
    assert control.stop(home)
    third = control.start(home)
    assert len(inventory(third.endpoint)["users"]) == len(before["users"]) + 1


class _Planted:
    """Unpickling this runs code: it writes a marker file."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_changed_part_is_refused_before_anything_is_unpickled(home, tmp_path):
    import pickle

    info = control.start(home)
    seed_workshop(info.endpoint)
    assert control.stop(home)
    marker = tmp_path / "planted-code-ran"
    parts = home / "sandbox" / "state" / "parts"
    victim = max(parts.iterdir(), key=lambda p: p.stat().st_size)  # the largest: a service's backends
    victim.write_bytes(pickle.dumps({"backends": {}, "extras": {}, "x": _Planted(str(marker))}))

    info = control.start(home)
    assert not marker.exists()
    warning = control.health(home)["state_warning"]
    assert "failed its integrity check" in warning and "does not match the manifest" in warning and "started empty" in warning
    state = home / "sandbox" / "state"
    assert [p.name for p in state.iterdir() if p.name.startswith("state.journal.broken-")]
    assert sandbox_client(info.endpoint, "connect").list_instances()["InstanceSummaryList"] == []


LEGACY = """
import hashlib, hmac, pickle, sys
from pathlib import Path
from workshop_lib.sandbox.server import app, persistence
app._register_installers()
for install in set(app._INSTALLERS.values()):
    install()
state = Path(sys.argv[1])
assert persistence.StateStore(state).load().restored
services, extras = {}, {}
for name, backend_dict in persistence._backend_dicts().items():
    services[name] = {a: dict(dict.items(p)) for a, p in dict.items(backend_dict)}
    if hasattr(backend_dict, "master_accounts"):
        extras[name] = {"master_accounts": dict(backend_dict.master_accounts)}
data = pickle.dumps({"format": 1, "moto": persistence._moto_version(), "services": services, "extras": extras})
key = bytes.fromhex((state / "state.key").read_text())
mac = hmac.new(key, data, hashlib.sha256).hexdigest().encode()
(state / "state.pickle").write_bytes(persistence.MAGIC + mac + b"\\n" + data)
(state / "state.journal").unlink()
"""


def test_a_state_of_the_single_file_format_is_loaded_and_replaced(home):
    import subprocess
    import sys

    info = control.start(home)
    workshop = seed_workshop(info.endpoint)
    before = inventory(info.endpoint)
    assert control.stop(home)
    state = home / "sandbox" / "state"
    # The saved state rewritten as one pickle of format 1, the way earlier versions of the sandbox wrote it.
    subprocess.run([sys.executable, "-c", LEGACY, str(state)], check=True, timeout=120)
    assert (state / "state.pickle").exists() and not (state / "state.journal").exists()

    second = control.start(home)
    assert not control.health(home)["state_warning"]
    assert inventory(second.endpoint) == before
    add_users(second.endpoint, workshop.identity_store_id, 1, 1)
    assert (state / "state.journal").exists() and not (state / "state.pickle").exists()


def test_what_a_request_may_change_follows_the_botocore_models():
    """Where the botocore model marks an operation ``readonly`` (some of Connect's, Identity Store's and sso-admin's),
    the mark decides, and it agrees with the names; the other operations go by their names."""
    import botocore.session

    from workshop_lib.sandbox.server.persistence import ADDITIVE, ANYTHING, NOTHING, change_of

    session = botocore.session.get_session()
    for service, model_name in (("connect", "connect"), ("identitystore", "identitystore"), ("sso", "sso-admin")):
        model = session.get_service_model(model_name)
        for name in model.operation_names:
            operation = model.operation_model(name)
            readonly = operation._operation_model.get("readonly")
            named_read = name.startswith(("Describe", "Get", "List", "Search", "BatchGet", "IsMember"))
            assert readonly is None or bool(readonly) == named_read, name
            if name not in ("GetFederationToken", "CreateUser", "CreateGroup", "CreateGroupMembership"):
                assert (change_of(service, operation) == NOTHING) == named_read, name
    sts, iam = session.get_service_model("sts"), session.get_service_model("iam")
    assert change_of("sts", sts.operation_model("GetCallerIdentity")) == NOTHING
    assert change_of("sts", sts.operation_model("GetSessionToken")) == ANYTHING  # issues credentials
    assert change_of("sts", sts.operation_model("AssumeRoleWithSAML")) == ANYTHING
    assert change_of("connect", session.get_service_model("connect").operation_model("GetFederationToken")) == ANYTHING
    assert change_of("iam", iam.operation_model("GetRole")) == NOTHING
    assert change_of("iam", iam.operation_model("UpdateAssumeRolePolicy")) == ANYTHING
    ids = session.get_service_model("identitystore")
    assert change_of("identitystore", ids.operation_model("CreateUser")) == ADDITIVE
    assert change_of("identitystore", ids.operation_model("UpdateUser")) == ANYTHING
    assert change_of("identitystore", None) == ANYTHING
