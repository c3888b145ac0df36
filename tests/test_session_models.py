"""boto3 sessions share one botocore data loader: a new session (another target, a profile switch,
forget_clients) makes its clients without parsing the service models again."""

from __future__ import annotations

from workshop_lib.aws import session as session_mod


def test_a_new_session_makes_clients_without_parsing_the_models_again(monkeypatch):
    from botocore.loaders import JSONFileLoader

    parsed: list[str] = []
    real = JSONFileLoader.load_file
    monkeypatch.setattr(JSONFileLoader, "load_file", lambda self, path: parsed.append(str(path)) or real(self, path))
    first = session_mod.Target("sandbox", endpoint_url="http://127.0.0.1:9", access_key_id="AKIDEXAMPLE", secret_access_key="x")
    other = session_mod.Target("sandbox", endpoint_url="http://127.0.0.1:10", access_key_id="AKIDEXAMPLE2", secret_access_key="y")
    monkeypatch.setattr(session_mod, "_LOADER", None)  # as in a new process
    session_mod.forget_clients()
    try:
        session_mod.session_for(first).client("connect", region_name="us-east-1")
        assert [p for p in parsed if "connect" in p and "service-2" in p] != []  # the first session parses it
        session_mod.forget_clients()
        parsed.clear()
        made = session_mod.session_for(other).client("connect", region_name="us-east-1")
        assert [p for p in parsed if "connect" in p and "service-2" in p] == []
        assert made.meta.service_model.service_name == "connect"
        # boto3's own data folder is searched once, however many sessions were made
        paths = session_mod._LOADER.search_paths
        assert len(paths) == len(set(paths))
    finally:
        session_mod.forget_clients()
