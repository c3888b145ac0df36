"""Is this kernel the environment the package is installed in, with widget versions that fit together?"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from importlib import metadata

PACKAGES = ("connect-sso-workshop", "ipywidgets", "jupyterlab_widgets", "jupyterlab", "boto3", "pandas")


@dataclass
class EnvironmentReport:
    versions: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def summary(self) -> str:
        if self.ok:
            return f"This kernel ({sys.executable}) has everything the workshop needs."
        return " ".join(self.problems)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def environment_report() -> EnvironmentReport:
    report = EnvironmentReport()
    report.versions["python"] = sys.version.split()[0]
    report.versions["kernel"] = sys.executable
    for name in PACKAGES:
        report.versions[name] = _version(name) or "not installed"
    fix = f"In a terminal run `{sys.executable} -m pip install -e .` from the project folder, or choose the kernel 'Python 3 (connect-sso-workshop)' (Kernel → Change kernel)."
    if not _version("connect-sso-workshop"):
        report.problems.append(f"This kernel's Python ({sys.executable}) does not have connect-sso-workshop installed. {fix}")
    widgets = _version("ipywidgets")
    manager = _version("jupyterlab_widgets")
    if not widgets.startswith("8."):
        report.problems.append(f"ipywidgets 8 is needed, this kernel has {widgets or 'none'}: widgets will not render. {fix}")
    elif manager and not manager.startswith("3."):
        report.problems.append(f"jupyterlab_widgets {manager} does not match ipywidgets 8 (needs 3.x): widgets show 'Error displaying widget'. {fix}")
    return report
