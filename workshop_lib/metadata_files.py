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
    problem = entity_id_problem(report.entity_id)
    if problem:
        raise SamlError(f"This metadata's entityID cannot be right: {problem}", fix="Download the application's 'IAM Identity Center SAML metadata file' again and upload it unchanged.", code="F5")
    atomic_write(metadata_path(app_key), raw)
    return report


def entity_id_problem(entity_id: str | None) -> str | None:
    """Why an IdP entityID is unusable, or None. SAML 2.0 makes it a URI of at most 1024 characters
    (saml-core 8.3.6); Identity Center's are https URLs. Spaces, quotes and angle brackets are never part of one."""
    import re
    from urllib.parse import urlsplit

    value = entity_id or ""
    if len(value) > 1024:
        return f"it is {len(value)} characters long; SAML allows at most 1024."
    bad = sorted({c for c in value if c in '<>"\'{}|\\^`' or c.isspace() or ord(c) < 32})
    if bad:
        shown = ", ".join("a space" if c == " " else repr(c) for c in bad)
        return f"it contains {shown}, which a URI never holds."
    if not (re.match(r"^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+$", value) or (urlsplit(value).scheme in ("https", "http") and urlsplit(value).netloc)):
        return f"{value!r} is neither a URL nor a URN."
    return None


def read_metadata(app_key: str) -> str | None:
    path = metadata_path(app_key)
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
