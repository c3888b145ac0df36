"""The relay state: the federate URL that sends a signed-in user from IAM Identity Center into Amazon Connect."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from workshop_lib.errors import InputError
from workshop_lib.findings import Finding, Severity
from workshop_lib.rules.instance import WHERE_TO_COPY, instance_id_problems, validate_instance_id
from workshop_lib.rules.regions import connect_regions, partition_of, validate_region

DESTINATIONS = {
    "ccp": "/ccp-v2",
    "chat": "/ccp-v2/chat",
    "agent-workspace": "/agent-app-v2",
    "legacy-ccp": "/connect/ccp",
}
LEGACY_DESTINATIONS = frozenset({"legacy-ccp"})
CODE = "F12"
GOVCLOUD_HOST = "console.amazonaws-us-gov.com"
_AWS_HOST_RE = re.compile(r"^([a-z0-9-]+)\.console\.aws\.amazon\.com\Z")
_PATH_RE = re.compile(r"^/connect/federate/([^/]*)(/?)\Z")
_VDI_RE = re.compile(r"^/agent-app-v2\?VDIPlatform=[A-Za-z0-9_.-]+\Z")
_PLACEHOLDER_RE = re.compile(r"<[^<>]*>")
_BUILD_FIX = "Build the relay state from describe_instance (relay_state_url) and paste it unchanged."


@dataclass(frozen=True)
class RelayState:
    """A parsed relay state. `region` is None for GovCloud, whose console host carries no Region."""

    region: str | None
    instance_id: str
    destination: str | None = None  # the decoded path, e.g. "/ccp-v2"; None = admin dashboard
    partition: str = "aws"
    new_domain: bool = False

    @property
    def url(self) -> str:
        """The relay state URL, rebuilt in its canonical form."""
        return _build(self.partition, self.region, self.instance_id, self.destination, self.new_domain)


def _base(partition: str, region: str | None, instance_id: str) -> str:
    if partition == "aws-us-gov":
        return f"https://{GOVCLOUD_HOST}/connect/federate/{instance_id}"
    return f"https://{region}.console.aws.amazon.com/connect/federate/{instance_id}"


def _encode_destination(path: str) -> str:
    head, sep, tail = path.partition("?")
    return quote(head, safe="") + sep + tail


def _build(partition: str, region: str | None, instance_id: str, path: str | None, new_domain: bool) -> str:
    query = []
    if path:
        query.append("destination=" + _encode_destination(path))
    if new_domain:
        query.append("new_domain=true")
    return _base(partition, region, instance_id) + ("?" + "&".join(query) if query else "")


def destination_path(destination: str | None) -> str | None:
    """The path for a DESTINATIONS key (or an already known path); None stays None (admin dashboard)."""
    if destination is None:
        return None
    if destination in DESTINATIONS:
        return DESTINATIONS[destination]
    if destination in DESTINATIONS.values() or _VDI_RE.match(destination):
        return destination
    close = difflib.get_close_matches(destination, list(DESTINATIONS), n=1)
    hint = f"Did you mean '{close[0]}'? " if close else ""
    raise InputError(
        f"'{destination}' is not a relay-state destination this workshop knows.",
        fix=hint + f"Use one of {', '.join(DESTINATIONS)}, or None for the admin dashboard.",
    )


def relay_state_url(
    instance_id: str, region: str, destination: str | None = "ccp", *, new_domain: bool = False
) -> str:
    """The relay state for an instance: 'ccp' (default), 'chat', 'agent-workspace', 'legacy-ccp' or None (admin)."""
    instance_id = validate_instance_id(instance_id)
    region = validate_region(region, "connect")
    return _build(partition_of(region), region, instance_id, destination_path(destination), new_domain)


def admin_relay_state_url(instance_id: str, region: str) -> str:
    """The relay state for administrators: no destination, so they land on the admin dashboard."""
    return relay_state_url(instance_id, region, None)


@dataclass
class _Analysis:
    problems: list[tuple[Severity, str, str]]
    partition: str | None = None
    region: str | None = None
    instance_id: str | None = None
    destination: str | None = None
    destination_ok: bool = True
    new_domain: bool = False

    def add(self, severity: Severity, message: str, fix: str = "") -> None:
        self.problems.append((severity, message, fix))


def _whitespace_name(chars: str) -> str:
    if all(c == " " for c in chars):
        return "a space" if len(chars) == 1 else "spaces"
    if any(c in "\r\n" for c in chars):
        return "a line break"
    return "whitespace"


def _check_text(raw: str, a: _Analysis) -> str | None:
    """Whitespace, quotes, backslashes and placeholders; returns the cleaned text or None to stop."""
    value = raw.strip()
    lead, trail = raw[: len(raw) - len(raw.lstrip())], raw[len(raw.rstrip()) :]
    if lead or trail:
        where = " and ".join(w for w, s in (("at the start", lead), ("at the end", trail)) if s)
        a.add(
            Severity.ERROR,
            f"The relay state has {_whitespace_name(lead + trail)} {where}, and IAM Identity Center keeps it as typed.",
            "Delete the surrounding whitespace in the application's Relay state field.",
        )
    if len(value) >= 2 and value[0] in "'\"`" and value[-1] in "'\"`":
        a.add(Severity.ERROR, "The relay state is wrapped in quotes, which become part of the URL.",
              "Remove the quotes around the URL.")
        value = value[1:-1].strip()
    inner = re.search(r"\s+", value)
    if inner:
        before = value[max(0, inner.start() - 20) : inner.start()]
        a.add(
            Severity.ERROR,
            f"The relay state contains {_whitespace_name(inner.group())} inside it, after '…{before}'.",
            "Remove every space and line break from the URL; it must be one unbroken line.",
        )
        value = re.sub(r"\s+", "", value)
    if "\\" in value:
        a.add(
            Severity.ERROR,
            "The relay state contains backslashes, copied from a template that escaped the '<' characters.",
            "Remove the backslashes. " + _BUILD_FIX,
        )
        value = value.replace("\\", "")
    placeholders = _PLACEHOLDER_RE.findall(value)
    if placeholders:
        a.add(
            Severity.ERROR,
            f"The relay state still contains the placeholder {', '.join(placeholders)} from the template.",
            "Replace each placeholder with the real value. " + _BUILD_FIX,
        )
        return None
    return value


def _check_host(host: str, region: str | None, a: _Analysis) -> None:
    regional = _AWS_HOST_RE.match(host)
    expected_host = (
        (GOVCLOUD_HOST if partition_of(region) == "aws-us-gov" else f"{region}.console.aws.amazon.com")
        if region
        else "<region>.console.aws.amazon.com"
    )
    if regional:
        a.partition = "aws"
        host_region = regional.group(1)
        try:
            validate_region(host_region, None)
        except InputError as exc:
            a.add(Severity.ERROR,
                  f"The relay state host names the Region '{host_region}', which is not an AWS Region.",
                  (exc.fix + " " if exc.fix.startswith("Did") else "") + "Use the instance's Region in the host.")
            return
        if partition_of(host_region) != "aws":
            a.add(Severity.ERROR, f"{host_region} is a {partition_of(host_region)} Region, which does not use "
                  "the host <region>.console.aws.amazon.com.", f"Use https://{GOVCLOUD_HOST}/connect/federate/<instance-id>.")
            return
        if host_region not in connect_regions("aws"):
            a.add(Severity.ERROR, f"Amazon Connect is not offered in {host_region}, so no instance can be there.",
                  f"Put the instance's Region in the host; Connect is offered in {', '.join(connect_regions('aws'))}.")
            return
        a.region = host_region
        if region and partition_of(region) == "aws" and host_region != region:
            a.add(Severity.ERROR,
                  f"The relay state points to the Region {host_region}, but the instance is in {region}.",
                  f"Use the instance's Region in the host: https://{region}.console.aws.amazon.com/…")
    elif host == GOVCLOUD_HOST:
        a.partition = "aws-us-gov"
    elif host == "console.aws.amazon.com":
        a.add(Severity.ERROR, "The relay state host console.aws.amazon.com has no Region in it.",
              f"Use the host {expected_host}, with the instance's Region.")
    elif host.endswith((".my.connect.aws", ".awsapps.com")):
        a.add(Severity.ERROR,
              f"{host} is the Amazon Connect access URL, not the federate URL; opening it after SAML "
              "sign-in is not supported and ends in 'Session expired'.",
              f"Use the federate URL on {expected_host}. " + _BUILD_FIX)
    else:
        a.add(Severity.ERROR, f"The relay state goes to the host '{host}' instead of the AWS console.",
              f"Use the host {expected_host}. " + _BUILD_FIX)
    if region and a.partition and a.partition != partition_of(region):
        a.add(Severity.ERROR,
              f"The relay state is for the {a.partition} partition, but the instance's Region {region} "
              f"is in {partition_of(region)}.",
              f"Use the host {expected_host}.")


def _check_path(path: str, instance_id: str | None, a: _Analysis) -> None:
    match = _PATH_RE.match(path)
    if "destination" in path:
        a.add(Severity.ERROR, "The destination is part of the path because it does not follow a '?'.",
              "Write ?destination=… straight after the instance ID, and & before any further parameter.")
        return
    if not match or not match.group(1):
        if re.fullmatch(r"/connect/federate/?", path):
            a.add(Severity.ERROR, "The relay state has no instance ID after /connect/federate/.",
                  "Add the instance ID. " + _BUILD_FIX)
        elif _PATH_RE.match(path.lower()):
            a.add(Severity.ERROR, f"The path '{path}' must be written in lowercase as /connect/federate/<instance-id>.",
                  _BUILD_FIX)
        else:
            a.add(Severity.ERROR, f"The path is '{path or '/'}', but it must be /connect/federate/<instance-id>.",
                  _BUILD_FIX)
        return
    found, slash = match.group(1), match.group(2)
    problems = instance_id_problems(found.lower())
    if problems:
        a.add(Severity.ERROR,
              f"The instance ID '{found}' in the relay state is not a valid UUID: " + " ".join(problems),
              WHERE_TO_COPY)
        return
    if found != found.lower():
        a.add(Severity.WARNING, f"The instance ID '{found}' in the relay state has capital letters, "
              "but Amazon Connect instance IDs are lowercase and may not be recognised.",
              "Write the instance ID in lowercase, as describe_instance returns it.")
    a.instance_id = found.lower()
    if slash:
        a.add(Severity.WARNING, "The relay state has a '/' after the instance ID.",
              "Remove the trailing '/' so the URL ends with the instance ID (or its ?destination=…).")
    if instance_id and a.instance_id != instance_id:
        a.add(Severity.ERROR,
              f"The relay state names the instance {a.instance_id}, but the instance is {instance_id}.",
              "Use this instance's ID. " + _BUILD_FIX)


def _check_destination(value: str, a: _Analysis) -> None:
    if value == "":
        a.add(Severity.ERROR, "The relay state has 'destination=' with nothing after it.",
              "Remove 'destination=' for the admin dashboard, or add %2Fccp-v2 for the CCP.")
        a.destination_ok = False
        return
    decoded = unquote(value)
    if decoded != unquote(decoded) and "%" in decoded:
        decoded = unquote(decoded)
        a.add(Severity.ERROR, f"The destination '{value}' is URL-encoded twice.",
              f"Encode it once: destination={_encode_destination(decoded)}.")
    elif "/" in value.partition("?")[0] or ":" in value.partition("?")[0]:
        a.add(Severity.ERROR, f"The destination '{value}' is not URL-encoded.",
              f"Encode it: destination={_encode_destination(decoded)}.")
    a.destination = decoded
    legacy = {DESTINATIONS[key] for key in LEGACY_DESTINATIONS}
    if decoded in legacy:
        a.add(Severity.WARNING,
              f"The destination {_encode_destination(decoded)} is the legacy (2019-2020) CCP path, which "
              "current instances no longer serve.",
              f"Use destination={_encode_destination(DESTINATIONS['ccp'])} for the CCP, or "
              f"{_encode_destination(DESTINATIONS['agent-workspace'])} for the agent workspace.")
    elif decoded in DESTINATIONS.values() or _VDI_RE.match(decoded):
        pass
    elif decoded.startswith("https://"):
        a.add(Severity.INFO, f"The destination {decoded} is an absolute URL, which works only when it is "
              "listed in the instance's approved origins.",
              "Check the instance's approved origins in the Amazon Connect console.")
    else:
        a.destination_ok = False
        if "?new_domain" in decoded:
            a.add(Severity.ERROR, "The new_domain parameter follows a '?' and so became part of the destination.",
                  "Separate it with '&': …?destination=%2Fccp-v2&new_domain=true.")
            return
        close = difflib.get_close_matches(decoded, list(DESTINATIONS.values()), n=1, cutoff=0.5)
        hint = f"Did you mean {_encode_destination(close[0])}? " if close else ""
        known = ", ".join(_encode_destination(p) for k, p in DESTINATIONS.items() if k not in LEGACY_DESTINATIONS)
        a.add(Severity.ERROR, f"The destination '{decoded}' is not one Amazon Connect knows.",
              hint + f"Use one of {known}, or no destination for the admin dashboard.")


def _check_query(query: str, fragment: str, a: _Analysis) -> None:
    seen_destination = False
    for param in query.split("&") if query else []:
        key, _, value = param.partition("=")
        if key == "destination":
            if seen_destination:
                a.add(Severity.ERROR, "The relay state has more than one destination.",
                      "Keep exactly one destination=… parameter.")
                continue
            seen_destination = True
            _check_destination(value, a)
        elif key == "new_domain":
            if value.lower() == "true":
                a.new_domain = True
            else:
                a.add(Severity.WARNING, f"new_domain={value} has no effect; only new_domain=true is meaningful.",
                      "Write new_domain=true, or remove it if the instance uses the my.connect.aws domain.")
        elif param:
            a.add(Severity.WARNING, f"The relay state has a parameter '{key}' that Amazon Connect does not use.",
                  "Remove it; only destination and new_domain are understood.")
    if fragment:
        a.add(Severity.WARNING, f"The relay state ends with '#{fragment}', which the browser drops.",
              "Remove the '#' and everything after it.")


def _analyse(text: str | None, instance_id: str | None, region: str | None) -> _Analysis:
    a = _Analysis(problems=[])
    if not (text or "").strip():
        a.add(Severity.ERROR,
              "The relay state is empty, so after sign-in the user lands on the AWS console home "
              "instead of Amazon Connect.",
              "Paste the federate URL into the application's Relay state field. " + _BUILD_FIX)
        return a
    value = _check_text(text or "", a)
    if value is None:
        return a
    lowered = value.lower()
    if lowered.startswith("http://"):
        a.add(Severity.ERROR, "The relay state starts with http:// instead of https://.",
              "Change it to https://.")
        value = "https://" + value[len("http://") :]
    elif not lowered.startswith("https://"):
        if "://" in value:
            a.add(Severity.ERROR, f"The relay state starts with {value.split('://')[0]}:// instead of https://.",
                  "Start the URL with https://.")
            value = "https://" + value.split("://", 1)[1]
        else:
            a.add(Severity.ERROR, "The relay state does not start with https://.", "Add https:// in front.")
            value = "https://" + value.lstrip("/")
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed '[' read as an IPv6 host
        a.add(Severity.ERROR, "The relay state is not a valid URL.", _BUILD_FIX)
        return a
    _check_host((parts.hostname or "").lower(), region, a)
    _check_path(parts.path, instance_id, a)
    _check_query(parts.query, parts.fragment, a)
    return a


def _expected(a: _Analysis, instance_id: str | None, region: str | None) -> str:
    """The corrected relay state when enough is known, else ''."""
    ident = instance_id or a.instance_id
    partition = partition_of(region) if region else a.partition
    where = region or a.region
    if not ident or not partition or (partition == "aws" and not where):
        return ""
    path = a.destination
    if path in {DESTINATIONS[k] for k in LEGACY_DESTINATIONS} or not a.destination_ok:
        path = DESTINATIONS["ccp"]
    return _build(partition, where, ident, path, a.new_domain)


def check_relay_state(text: str | None, instance_id: str | None = None, region: str | None = None) -> list[Finding]:
    """Say exactly what is wrong with a relay state (F12); pass the instance's ID and Region to compare them too."""
    if instance_id is not None:
        instance_id = validate_instance_id(instance_id)
    if region is not None:
        region = validate_region(region, "connect")
    a = _analyse(text, instance_id, region)
    expected = _expected(a, instance_id, region)
    return [Finding(CODE, sev, msg, fix=fix, expected=expected) for sev, msg, fix in a.problems]


def parse_relay_state(text: str | None) -> RelayState:
    """Read a relay state (surrounding whitespace tolerated); raise InputError listing its errors."""
    a = _analyse((text or "").strip(), None, None)
    errors = [(msg, fix) for sev, msg, fix in a.problems if sev is Severity.ERROR]
    if errors:
        raise InputError(" ".join(msg for msg, _ in errors), fix=errors[0][1], code=CODE)
    if not a.instance_id or not a.partition:  # unreachable: each gap above is reported as an error
        raise InputError("The relay state could not be read.", fix=_BUILD_FIX, code=CODE)
    return RelayState(a.region, a.instance_id, a.destination, a.partition, a.new_domain)


__all__ = [
    "DESTINATIONS",
    "LEGACY_DESTINATIONS",
    "RelayState",
    "admin_relay_state_url",
    "check_relay_state",
    "destination_path",
    "parse_relay_state",
    "relay_state_url",
]
