"""The IdP metadata files the learner downloaded, kept under ``$WORKSHOP_HOME/metadata/``."""

from __future__ import annotations

from pathlib import Path

from workshop_lib.errors import SamlError
from workshop_lib.files import atomic_write
from workshop_lib.settings import workshop_home


def metadata_path(app_key: str) -> Path:
    """Where the metadata of the ``agent`` or ``admin`` application is kept."""
    return workshop_home() / "metadata" / f"{app_key}.xml"


def store_metadata(app_key: str, data: bytes | str):
    """Validate metadata as IAM will, then keep it; refuses what IAM would reject (F5)."""
    from workshop_lib.saml import load_metadata

    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    report = load_metadata(raw)
    if not report.iam_ok:
        problems = " ".join(f.message for f in report.findings if f.severity.value == "error")
        raise SamlError(f"IAM would reject this metadata file: {problems}", fix="Download the application's 'IAM Identity Center SAML metadata file' again and upload it unchanged.", code="F5")
    atomic_write(metadata_path(app_key), raw)
    return report


def read_metadata(app_key: str) -> str | None:
    path = metadata_path(app_key)
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
