"""The environments people use agree: environment.yml and pyproject.toml pin the same versions,
the widget manager is enabled in JupyterLab, and a kernel without the package is told how to fix it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENT_YML = ROOT / "environment.yml"
PYPROJECT = ROOT / "pyproject.toml"

# ipywidgets 8 talks only to jupyterlab_widgets 3 (the JS widget manager 5.x) inside JupyterLab 4.
WIDGET_STACK = {"ipywidgets": 8, "jupyterlab_widgets": 3, "jupyterlab": 4}
WIDGET_MANAGER = "@jupyter-widgets/jupyterlab-manager"
WIDGET_MANAGER_MAJOR = 5
NOT_PACKAGES = {"python", "pip"}
# conda-forge names that differ from the PyPI name (none today; add here rather than in the files).
CONDA_TO_PYPI: dict[str, str] = {}


# ---- reading the two files -------------------------------------------------------------------

def conda_spec(entry: str) -> tuple[str, SpecifierSet]:
    """A conda MatchSpec such as ``jupyterlab>=4.2,<5`` or ``python=3.11`` as (PyPI name, specifier)."""
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", entry)
    if not match:
        raise ValueError(f"cannot read the conda dependency {entry!r}")
    name, spec = match.groups()
    if re.fullmatch(r"=[^=<>!~].*", spec):  # conda's fuzzy '=3.11' means 3.11.*
        spec = f"=={spec[1:].rstrip('.*')}.*"
    name = CONDA_TO_PYPI.get(name, name)
    return canonicalize_name(name), SpecifierSet(spec.replace(" ", ""))


def read_environment(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    conda: dict[str, SpecifierSet] = {}
    pip: list[str] = []
    for entry in data.get("dependencies", []):
        if isinstance(entry, dict):
            pip.extend(str(p).strip() for p in entry.get("pip", []))
        else:
            name, spec = conda_spec(str(entry))
            conda[name] = spec
    return {"conda": conda, "pip": pip}


def read_pyproject(path: Path) -> dict:
    project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
    deps: dict[str, SpecifierSet] = {}
    for line in project.get("dependencies", []):
        req = Requirement(line)
        deps[canonicalize_name(req.name)] = req.specifier
    return {"dependencies": deps, "requires_python": SpecifierSet(project.get("requires-python", ""))}


# ---- the comparison --------------------------------------------------------------------------

def admits_only_major(spec: SpecifierSet, major: int) -> bool:
    """True when ``spec`` lets in some ``major``.x release and nothing from the majors either side."""
    inside = any(spec.contains(f"{major}.{minor}.{patch}") for minor in range(0, 30) for patch in range(0, 30))
    below = spec.contains(f"{major - 1}.999.999") if major > 0 else False
    above = spec.contains(f"{major + 1}.0.0")
    return inside and not below and not above


def environment_drift(environment: dict, pyproject: dict) -> list[str]:
    """Every way environment.yml and pyproject.toml disagree, one sentence each; empty when they agree."""
    problems: list[str] = []
    deps = pyproject["dependencies"]
    for name, spec in sorted(environment["conda"].items()):
        if name in NOT_PACKAGES:
            continue
        if name not in deps:
            problems.append(f"{name} is in environment.yml but not in pyproject.toml's dependencies.")
        elif spec != deps[name]:
            problems.append(f"{name}: environment.yml says {str(spec) or 'any version'}, pyproject.toml says {str(deps[name]) or 'any version'}.")
    python = environment["conda"].get("python")
    if python is None:
        problems.append("environment.yml does not pin python.")
    else:
        pinned = re.sub(r"[^0-9.]", "", str(python)).strip(".")
        if not pinned or not pyproject["requires_python"].contains(pinned):
            problems.append(f"environment.yml's python {python} is outside pyproject.toml's requires-python {pyproject['requires_python']}.")
    if "pip" not in environment["conda"]:
        problems.append("environment.yml does not install pip, so its `pip:` section cannot run.")
    if "-e ." not in environment["pip"]:
        problems.append("environment.yml does not `pip install -e .` the workshop itself, so the kernel cannot import workshop_lib.")
    for name, major in WIDGET_STACK.items():
        key = canonicalize_name(name)
        for where, spec in (("environment.yml", environment["conda"].get(key)), ("pyproject.toml", deps.get(key))):
            if spec is None:
                problems.append(f"{name} is not pinned in {where}: ipywidgets 8, jupyterlab_widgets 3 and JupyterLab 4 must be pinned together.")
            elif not admits_only_major(spec, major):
                problems.append(f"{name} {spec} in {where} is not limited to {major}.x: ipywidgets 8, jupyterlab_widgets 3 and JupyterLab 4 belong together.")
    return problems


def widget_manager_problems(listing: str) -> list[str]:
    """What is wrong with the widget manager in the output of `jupyter labextension list` (colours and all)."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", listing)
    lines = [line for line in plain.splitlines() if WIDGET_MANAGER in line]
    if not lines:
        return [f"{WIDGET_MANAGER} is not installed: widgets show 'Error displaying widget'. pip install 'jupyterlab_widgets>=3,<4'."]
    problems = []
    for line in lines:
        words = line.split()
        if "enabled" not in words:
            problems.append(f"{WIDGET_MANAGER} is not enabled: {line.strip()}. Run `jupyter labextension enable {WIDGET_MANAGER}`.")
        if "OK" not in words:
            problems.append(f"{WIDGET_MANAGER} is not OK: {line.strip()}. Reinstall jupyterlab_widgets 3 in JupyterLab's environment.")
        version = re.search(r"\bv(\d+)\.", line)
        if not version or int(version.group(1)) != WIDGET_MANAGER_MAJOR:
            problems.append(f"{WIDGET_MANAGER} is not version {WIDGET_MANAGER_MAJOR}.x (the one for ipywidgets 8): {line.strip()}.")
    return problems


# ---- the repository's files agree --------------------------------------------------------------

@pytest.fixture(scope="module")
def environment():
    return read_environment(ENVIRONMENT_YML)


@pytest.fixture(scope="module")
def pyproject():
    return read_pyproject(PYPROJECT)


def test_environment_yml_and_pyproject_agree(environment, pyproject):
    assert environment_drift(environment, pyproject) == []


def test_every_conda_dependency_is_a_pyproject_dependency(environment, pyproject):
    named = set(environment["conda"]) - NOT_PACKAGES
    assert named, "environment.yml lists no packages"
    assert named <= set(pyproject["dependencies"])


def test_environment_yml_installs_the_workshop_editable(environment):
    assert "-e ." in environment["pip"]


@pytest.mark.parametrize("name, major", sorted(WIDGET_STACK.items()))
def test_widget_stack_is_pinned_to_one_major_in_both_files(environment, pyproject, name, major):
    key = canonicalize_name(name)
    assert admits_only_major(environment["conda"][key], major)
    assert admits_only_major(pyproject["dependencies"][key], major)


@pytest.mark.parametrize("name", sorted(WIDGET_STACK))
def test_installed_widget_stack_satisfies_the_pins(pyproject, name):
    from importlib import metadata

    installed = Version(metadata.version(name))
    assert pyproject["dependencies"][canonicalize_name(name)].contains(installed), f"{name} {installed} is installed"


# ---- drift is caught ---------------------------------------------------------------------------

def drifted_copy(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is no longer in {source.name}: update this test"
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_drifted_bound_in_environment_yml_is_reported(tmp_path, pyproject):
    drifted = read_environment(drifted_copy(tmp_path, ENVIRONMENT_YML, "boto3>=1.40", "boto3>=1.34"))
    problems = environment_drift(drifted, pyproject)
    assert problems == ["boto3: environment.yml says >=1.34, pyproject.toml says >=1.40."]


def test_ipywidgets_7_in_environment_yml_is_reported(tmp_path, pyproject):
    drifted = read_environment(drifted_copy(tmp_path, ENVIRONMENT_YML, "ipywidgets>=8.1,<9", "ipywidgets>=7.6,<9"))
    problems = environment_drift(drifted, pyproject)
    assert any(p.startswith("ipywidgets: environment.yml says") for p in problems)
    assert any("ipywidgets <9,>=7.6 in environment.yml is not limited to 8.x" in p for p in problems)


def test_a_package_only_in_environment_yml_is_reported(tmp_path, pyproject):
    drifted = read_environment(drifted_copy(tmp_path, ENVIRONMENT_YML, "  - pandas>=2.1\n", "  - pandas>=2.1\n  - requests>=2.31\n"))
    assert environment_drift(drifted, pyproject) == ["requests is in environment.yml but not in pyproject.toml's dependencies."]


def test_an_unpinned_jupyterlab_in_pyproject_is_reported(tmp_path, environment):
    drifted = read_pyproject(drifted_copy(tmp_path, PYPROJECT, '"jupyterlab>=4.2,<5"', '"jupyterlab>=4.2"'))
    problems = environment_drift(environment, drifted)
    assert "jupyterlab: environment.yml says <5,>=4.2, pyproject.toml says >=4.2." in problems
    assert any("jupyterlab >=4.2 in pyproject.toml is not limited to 4.x" in p for p in problems)


def test_a_missing_editable_install_is_reported(tmp_path, pyproject):
    drifted = read_environment(drifted_copy(tmp_path, ENVIRONMENT_YML, "      - -e .", "      - connect-sso-workshop"))
    assert any("pip install -e ." in p for p in environment_drift(drifted, pyproject))


def test_a_python_outside_requires_python_is_reported(tmp_path, pyproject):
    drifted = read_environment(drifted_copy(tmp_path, ENVIRONMENT_YML, "python=3.11", "python=3.9"))
    assert any("requires-python" in p for p in environment_drift(drifted, pyproject))


def test_conda_fuzzy_python_pin_reads_as_a_prefix():
    assert conda_spec("python=3.11") == ("python", SpecifierSet("==3.11.*"))
    assert conda_spec("jupyterlab >=4.2,<5") == ("jupyterlab", SpecifierSet(">=4.2,<5"))


# ---- JupyterLab sees the widget manager -------------------------------------------------------

def test_jupyter_labextension_list_shows_the_widget_manager_enabled_and_ok():
    jupyter = Path(sys.executable).with_name("jupyter")
    assert jupyter.exists(), f"no jupyter next to {sys.executable}: install the package with its dependencies"
    done = subprocess.run([str(jupyter), "labextension", "list"], capture_output=True, text=True, timeout=120, check=False)
    listing = done.stdout + done.stderr
    assert done.returncode == 0, listing
    assert widget_manager_problems(listing) == [], listing


def test_a_disabled_widget_manager_is_reported():
    listing = ("JupyterLab v4.6.6\n/srv/share/jupyter/labextensions\n"
               "        @jupyter-widgets/jupyterlab-manager v5.0.16 \x1b[31mdisabled\x1b[0m \x1b[32mOK\x1b[0m (python, jupyterlab_widgets)\n")
    assert widget_manager_problems(listing) == [
        "@jupyter-widgets/jupyterlab-manager is not enabled: @jupyter-widgets/jupyterlab-manager v5.0.16 disabled OK "
        "(python, jupyterlab_widgets). Run `jupyter labextension enable @jupyter-widgets/jupyterlab-manager`."
    ]


def test_the_ipywidgets_7_manager_is_reported():
    listing = "        @jupyter-widgets/jupyterlab-manager v3.1.1 enabled OK (python, jupyterlab_widgets)\n"
    assert any("not version 5.x" in p for p in widget_manager_problems(listing))


def test_a_missing_widget_manager_is_reported():
    listing = "JupyterLab v4.6.6\n        jupyterlab_pygments v0.3.0 enabled OK (python, jupyterlab_pygments)\n"
    assert any("is not installed" in p for p in widget_manager_problems(listing))


# ---- the kernel's own report (00_start_here) ----------------------------------------------------

def _versions(monkeypatch, **overrides: str | None) -> None:
    """Pretend this kernel has other versions installed (None: not installed)."""
    from importlib import metadata

    from workshop_lib import environment as env_mod

    real = metadata.version

    def version(name: str) -> str:
        key = name.replace("-", "_")
        for wanted, value in overrides.items():
            if wanted.replace("-", "_") == key:
                if value is None:
                    raise metadata.PackageNotFoundError(name)
                return value
        return real(name)

    monkeypatch.setattr(env_mod.metadata, "version", version)


def test_this_kernel_has_everything_the_workshop_needs():
    from workshop_lib.environment import environment_report

    report = environment_report()
    assert report.ok, report.problems
    assert report.versions["kernel"] == sys.executable


def test_a_kernel_without_the_package_is_told_the_fix(monkeypatch):
    from workshop_lib.environment import environment_report

    _versions(monkeypatch, **{"connect-sso-workshop": None})
    report = environment_report()
    assert not report.ok
    assert report.versions["connect-sso-workshop"] == "not installed"
    [problem] = report.problems
    assert sys.executable in problem and "does not have connect-sso-workshop installed" in problem
    assert f"{sys.executable} -m pip install -e ." in problem
    assert "Kernel → Change kernel" in problem


def test_a_kernel_with_ipywidgets_7_is_told_widgets_will_not_render(monkeypatch):
    from workshop_lib.environment import environment_report

    _versions(monkeypatch, ipywidgets="7.8.1")
    report = environment_report()
    assert any("ipywidgets 8 is needed, this kernel has 7.8.1" in p and "pip install -e ." in p for p in report.problems)


def test_a_widget_manager_out_of_step_is_reported(monkeypatch):
    from workshop_lib.environment import environment_report

    _versions(monkeypatch, jupyterlab_widgets="1.1.7")
    report = environment_report()
    assert any("jupyterlab_widgets 1.1.7 does not match ipywidgets 8" in p for p in report.problems)


def test_start_here_environment_cell_shows_the_warning_and_the_kernel(monkeypatch):
    from workshop_lib import ui

    _versions(monkeypatch, **{"connect-sso-workshop": None})
    shown = ui.environment().value
    assert "workshop-warning" in shown
    assert "pip install -e ." in shown
    assert sys.executable in shown
