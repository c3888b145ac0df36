"""deploy/ without a cluster: the Zero to JupyterHub values pass the chart's own schema and agree with the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
ROOT = DEPLOY.parent


def merged(defaults: dict, overrides: dict) -> dict:
    """Helm's merge of a chart's values.yaml and the user's: maps merge key by key, anything else is replaced."""
    out = dict(defaults)
    for key, value in overrides.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load((DEPLOY / "z2jh" / "values.yaml").read_text())


@pytest.fixture(scope="module")
def chart_defaults() -> dict:
    return yaml.safe_load((DEPLOY / "z2jh" / "chart-values.yaml").read_text())


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads((DEPLOY / "z2jh" / "values.schema.json").read_text())


def test_helm_values_pass_the_charts_schema(values, chart_defaults, schema):
    jsonschema.Draft7Validator(schema).validate(merged(chart_defaults, values))  # what `helm install` validates


def test_the_schema_catches_a_misspelt_key(values, chart_defaults, schema):
    broken = json.loads(json.dumps(values))
    broken["singleuser"]["memory"]["guaranty"] = "1G"  # misspelt: without the schema the chart would ignore it silently
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(merged(chart_defaults, broken)))
    assert any("guaranty" in e.message for e in errors)


def test_facilitator_role_has_exactly_the_scopes_event_status_needs(values):
    from workshop_lib.event.hub import FACILITATOR_SCOPES
    from workshop_lib.event.server_ext import STATUS_SCOPE

    role = values["hub"]["loadRoles"]["workshop-facilitator"]
    assert role["scopes"] == FACILITATOR_SCOPES and role["services"] == ["workshop-facilitator"]
    assert STATUS_SCOPE in values["hub"]["config"]["JupyterHub"]["custom_scopes"]
    assert not any(s.startswith(("access:servers", "admin", "servers", "tokens")) for s in role["scopes"])


def test_local_hub_config_gives_the_facilitator_the_same_scopes():
    from workshop_lib.event.hub import FACILITATOR_SCOPES

    text = (DEPLOY / "jupyterhub_config.py").read_text()
    assert json.dumps(FACILITATOR_SCOPES) in text.replace("'", '"')


def test_requests_and_limits_are_set_and_limits_leave_room(values):
    def size(text: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)([GM]i?)", str(text)).groups()
        return float(number) * {"G": 1000, "Gi": 1024, "M": 1, "Mi": 1.048576}[unit]

    memory = values["singleuser"]["memory"]
    assert size(memory["limit"]) >= 2 * size(memory["guarantee"])
    assert values["singleuser"]["cpu"]["guarantee"] > 0 and values["cull"]["enabled"] is True
    assert values["prePuller"]["hook"]["enabled"] and values["prePuller"]["continuous"]["enabled"]


def test_image_is_built_from_environment_yml_with_its_python():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    pinned = re.search(r"^\s*-\s*python=([\d.]+)\s*$", (ROOT / "environment.yml").read_text(), re.M).group(1)
    assert re.search(rf"^FROM \S+:python-{re.escape(pinned)}\s*$", dockerfile, re.M)
    assert "--file environment.yml" in dockerfile and "deploy/jupyter/jupyter_server_config.d/connect-sso-workshop.json" in dockerfile


def test_every_server_loads_the_status_route_and_culls_idle_kernels():
    """The one server config both deployments use (the image copies it, the local hub points JUPYTER_CONFIG_PATH at it)."""
    config = json.loads((DEPLOY / "jupyter" / "jupyter_server_config.d" / "connect-sso-workshop.json").read_text())
    assert config["ServerApp"]["jpserver_extensions"] == {"workshop_lib.event.server_ext": True}
    assert 0 < config["MappingKernelManager"]["cull_idle_timeout"] <= 3600


def test_server_extension_is_importable_and_declares_itself():
    from workshop_lib.event import server_ext

    assert server_ext._jupyter_server_extension_points() == [{"module": "workshop_lib.event.server_ext"}]


def test_facilitator_notebook_matches_its_generator_and_is_stripped():
    import importlib.util

    import nbformat

    spec = importlib.util.spec_from_file_location("make_facilitator_notebook", DEPLOY / "make_facilitator_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = nbformat.read(DEPLOY / "facilitator.ipynb", as_version=4)
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in module.build().cells], \
        "run: python deploy/make_facilitator_notebook.py"
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in committed.cells if c.cell_type == "code")
