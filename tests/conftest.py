"""Shared fixtures."""

from __future__ import annotations

import os

import pytest

# ---- sandbox: one real server process for the whole session ------------------------------------------

SANDBOX_CREATE_SECONDS = "0.2"  # Connect instances stay CREATION_IN_PROGRESS this long


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory):
    """A real sandbox server (control.start) in its own WORKSHOP_HOME on an ephemeral port, stopped at the end."""
    from workshop_lib.sandbox.client import control

    home = tmp_path_factory.mktemp("sandbox-home")
    previous = os.environ.get("WORKSHOP_SANDBOX_CREATE_SECONDS")
    os.environ["WORKSHOP_SANDBOX_CREATE_SECONDS"] = SANDBOX_CREATE_SECONDS  # inherited by the server process
    try:
        info = control.start(home)
    finally:
        if previous is None:
            os.environ.pop("WORKSHOP_SANDBOX_CREATE_SECONDS", None)
        else:
            os.environ["WORKSHOP_SANDBOX_CREATE_SECONDS"] = previous
    yield info
    control.stop(home)


@pytest.fixture()
def sandbox(sandbox_server):
    """The session's sandbox, reset to empty for this test."""
    from workshop_lib.sandbox.client import control

    control.reset(sandbox_server.home)
    return sandbox_server


@pytest.fixture()
def aws(sandbox):
    """boto3 clients for the (reset) sandbox: ``aws("connect")``, ``aws("identitystore", region="eu-west-2")``."""
    from sandbox_seed import sandbox_client

    return lambda service, **kwargs: sandbox_client(sandbox.endpoint, service, **kwargs)


@pytest.fixture()
def workshop(sandbox):
    """A complete, working agent set-up (chapters 01–05) on the reset sandbox."""
    from sandbox_seed import seed_workshop

    return seed_workshop(sandbox.endpoint)


# ---- a learner: their own WORKSHOP_HOME, pointed at the (reset) session sandbox --------------------------

@pytest.fixture()
def learner(sandbox, tmp_path, monkeypatch):
    """A fresh learner home on the reset sandbox, as a chapters Context."""
    from workshop_lib.aws.session import forget_clients
    from workshop_lib.context import Context

    monkeypatch.setenv("WORKSHOP_HOME", str(tmp_path / "learner"))
    monkeypatch.setenv("WORKSHOP_SANDBOX_ENDPOINT", sandbox.endpoint)
    monkeypatch.setenv("WORKSHOP_SANDBOX_HOME", str(sandbox.home))
    forget_clients()
    yield Context()
    forget_clients()


@pytest.fixture()
def ready_learner(learner):
    """A learner with chapters 00–02 done: the Connect instance and Identity Center exist."""
    from workshop_lib.chapters import chapter
    from workshop_lib.chapters.model import State

    for number in ("00", "01", "02"):
        for step in chapter(number).steps:
            assert step.perform(learner).state is State.DONE, step.key
    return learner
