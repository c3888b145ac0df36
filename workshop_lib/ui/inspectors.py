"""Widgets around the SAML toolkit and the doctor: metadata upload, SAML response inspector, doctor view."""

from __future__ import annotations


from workshop_lib.errors import WorkshopError
from workshop_lib.findings import Finding, Severity, plain_name
from workshop_lib.ui.markup import esc
from workshop_lib.ui.widgets import Displayable, message_html


def findings_table(findings: list[Finding]) -> str:
    if not findings:
        return message_html("No problems found.", "ok")
    icon = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "👁"}
    rows = "".join(
        f"<tr><td>{icon[f.severity]} {esc(plain_name(f.code))}</td><td>{esc(f.message)}</td><td>{esc(f.fix)}"
        + (f"<br><code>{esc(f.expected)}</code>" if f.expected else "")
        + "</td></tr>"
        for f in findings
    )
    return f'<table class="workshop-findings"><tr><th>finding</th><th>what is wrong</th><th>how to fix it</th></tr>{rows}</table>'


def _upload_bytes(upload) -> bytes | None:
    value = upload.value
    if not value:
        return None
    item = value[0] if isinstance(value, (list, tuple)) else next(iter(value.values()))
    content = item["content"] if isinstance(item, dict) else item.content
    return bytes(content)


class MetadataUpload(Displayable):
    """Upload the application's metadata: checked as IAM will check it, then kept for the provider step."""

    def __init__(self, ctx, app_key: str = "agent") -> None:
        import ipywidgets as W

        self.ctx, self.app_key = ctx, app_key
        self.upload = W.FileUpload(accept=".xml", multiple=False, description="Upload metadata .xml")
        self.upload.observe(lambda _c: self.accept(_upload_bytes(self.upload)), names="value")
        self.result = W.HTML()
        self.widget = W.VBox([self.upload, self.result])
        self.widget.add_class("workshop-metadata-upload")

    def accept(self, data: bytes | None) -> bool:
        from workshop_lib.metadata_files import store_metadata
        from workshop_lib.rules.words import when

        if not data:
            return False
        try:
            report = store_metadata(self.app_key, data)
        except WorkshopError as exc:
            self.result.value = message_html(str(exc), "error")
            return False
        certs = "".join(
            f"<li>{esc(c.subject)} — valid until {esc(when(c.not_after))}, {esc(c.key_type)} {c.key_size} bits</li>" for c in report.certificates
        )
        self.result.value = message_html(f"Kept. Issuer {report.entity_id}.", "ok") + f"<ul>{certs}</ul>" + findings_table([f for f in report.findings if f.severity is not Severity.INFO])
        return True


class SamlInspector(Displayable):
    """Paste a SAMLResponse (XML, base64, URL-encoded, or a HAR file) and see why AWS would accept or reject it."""

    def __init__(self) -> None:
        import ipywidgets as W

        self.text = W.Textarea(placeholder="Paste the SAMLResponse from your browser's developer tools (Network → saml → Payload)", layout=W.Layout(width="95%", height="120px"))
        self.metadata = W.FileUpload(accept=".xml", description="Metadata (optional)")
        self.key = W.FileUpload(accept=".pem,.key", description="Private key (optional)")
        self.at = W.Text(placeholder="now, or e.g. 2026-11-27 12:00 (UTC), or 'issued'", description="Judge as at",
                         style={"description_width": "initial"})
        self.button = W.Button(description="Inspect", icon="search", button_style="primary")
        self.button.on_click(lambda _b: self.inspect())
        self.result = W.HTML()
        self.widget = W.VBox([self.text, W.HBox([self.metadata, self.key]), W.HBox([self.at, self.button]), self.result])
        self.widget.add_class("workshop-saml-inspector")
        self.findings: list[Finding] = []

    def inspect(self, text: str | None = None, metadata: bytes | None = None, private_key: bytes | None = None,
                at: str | None = None) -> list[Finding]:
        from workshop_lib.saml import inspect_response, load_metadata
        from workshop_lib.saml._time import parse_moment
        from workshop_lib.saml.judge import when

        text = self.text.value if text is None else text
        metadata = metadata if metadata is not None else _upload_bytes(self.metadata)
        private_key = private_key if private_key is not None else _upload_bytes(self.key)
        at = (self.at.value if at is None else at).strip()
        try:
            moment = None if at.lower() in ("", "now", "issued") else parse_moment(at)
        except ValueError as exc:
            self.result.value = message_html(f"Judge as at: {exc}", "error")
            self.findings = []
            return self.findings
        try:
            inspection = inspect_response(text, load_metadata(metadata, now=moment) if metadata else None,
                                          private_key=private_key or None, now=moment,
                                          at_issue_instant=at.lower() == "issued")
        except WorkshopError as exc:
            self.result.value = message_html(str(exc), "error")
            self.findings = []
            return self.findings
        resp, self.findings = inspection.response, inspection.findings
        kind = "error" if inspection.refused or not inspection.judged or any(
            f.severity is Severity.ERROR for f in self.findings) else "ok"
        head = message_html(inspection.verdict, kind)
        if inspection.refused:
            self.result.value = head + findings_table(self.findings)
            return self.findings
        trust = "verified" if inspection.trusted_values else "unverified: what the response claims"
        end = resp.not_on_or_after or resp.subject_not_on_or_after
        fields = {
            "Judged as at": when(inspection.at),
            "Values shown": trust,
            "Issuer": resp.effective_issuer,
            "Destination": resp.destination,
            "Recipient": resp.recipient,
            "Audience": ", ".join(resp.audiences),
            "Valid until": when(end) if end else None,
            "NameID": resp.name_id,
            "RoleSessionName": resp.role_session_name,
            "Roles": "; ".join(f"{r} with {p}" for r, p in resp.roles),
            "SessionDuration": resp.session_duration,
            "Encrypted": ("decrypted with the given key" if resp.decrypted else
                          "yes, not read (give the private key)" if resp.encrypted_assertions else None),
            "Signed": resp.signed_parts + (" (verified)" if resp.verified else ""),
            "Signature": inspection.signature_line,
        }
        rows = "".join(f"<tr><td>{k}</td><td><code>{esc('—' if v in (None, '') else str(v))}</code></td></tr>" for k, v in fields.items())
        self.result.value = head + f"<table>{rows}</table>" + findings_table(self.findings)
        return self.findings

