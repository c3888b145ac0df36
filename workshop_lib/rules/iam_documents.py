"""IAM documents for Connect federation: the permission policy, the SAML trust policy, and checks of both.

The checks evaluate policies the way IAM does for the few things that matter here (actions,
resources with `*`/`?` wildcards, policy variables, string conditions, explicit Deny), so the
sandbox can decide sign-in and the doctor can explain failures with the same code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Sequence
from urllib.parse import unquote

from workshop_lib.errors import InputError
from workshop_lib.findings import Finding, Severity
from workshop_lib.rules.instance import parse_instance
from workshop_lib.rules.regions import partition_of, validate_region
from workshop_lib.rules.role_attribute import PROVIDER_ARN_RE

POLICY_VERSION = "2012-10-17"
USERID_VARIABLE = "${aws:userid}"  # must reach IAM literally: never build it with an f-string or Template
FEDERATION_ACTION = "connect:GetFederationToken"
SAML_ACTION = "sts:AssumeRoleWithSAML"
SAMPLE_USERID = "AROAEXAMPLEROLEID0001:agent1@connect-workshop.com"  # <RoleId>:<RoleSessionName>
SIGNIN_HOSTS = {"aws": "signin.aws.amazon.com", "aws-us-gov": "signin.amazonaws-us-gov.com"}
_REGIONAL_AUDIENCE_RE = re.compile(r"^https://[a-z0-9-]+\.signin\.")
_VARIABLE_RE = re.compile(r"\$\{([^}]*)\}")
_STRING_OPERATORS = {
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike",
}

PolicyDocument = dict | str


# ---------------------------------------------------------------- builders

def _instance_arn(instance_arn: str) -> str:
    ref = parse_instance(instance_arn)
    if ref.arn is None:
        raise InputError(
            f"'{instance_arn}' is an instance ID, but the policy needs the full instance ARN.",
            fix="Pass the ARN from describe_instance, arn:aws:connect:<region>:<account>:instance/<id>.",
        )
    return ref.arn


def federation_policy(instance_arn: str) -> dict:
    """The workshop's AmazonConnectSSOPolicy: allow connect:GetFederationToken on <instance ARN>/user/${aws:userid}."""
    resource = _instance_arn(instance_arn) + "/user/" + USERID_VARIABLE
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {"Sid": "Statement1", "Effect": "Allow", "Action": FEDERATION_ACTION, "Resource": [resource]}
        ],
    }


def saml_audiences(region: str) -> list[str]:
    """The SAML:aud values a trust policy should allow: the partition's global sign-in endpoint and the Region's."""
    region = validate_region(region, None)
    partition = partition_of(region)
    if partition not in SIGNIN_HOSTS:
        raise InputError(f"{region} is in the {partition} partition, which this workshop does not support.",
                         fix="Use a Region in the aws or aws-us-gov partition.")
    host = SIGNIN_HOSTS[partition]
    return [f"https://{host}/saml", f"https://{region}.{host}/saml"]


def _provider_arn(provider_arn: str) -> str:
    value = (provider_arn or "").strip()
    if not PROVIDER_ARN_RE.match(value):
        raise InputError(f"'{value}' is not an IAM SAML provider ARN.",
                         fix="Use the ARN that create_saml_provider returned, "
                         "arn:aws:iam::<account>:saml-provider/<name>.")
    return value


def saml_trust_policy(provider_arn: str, region: str) -> dict:
    """The role's trust policy: the SAML provider may call sts:AssumeRoleWithSAML for the audiences of `region`."""
    provider_arn = _provider_arn(provider_arn)
    audiences = saml_audiences(region)
    if provider_arn.split(":")[1] != partition_of(validate_region(region, None)):
        raise InputError(f"The provider {provider_arn} and the Region {region} are in different partitions.",
                         fix="Use a provider and a Region from the same partition.")
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": SAML_ACTION,
                "Condition": {"StringEquals": {"SAML:aud": audiences}},
            }
        ],
    }


def policy_json(doc: dict) -> str:
    """The document as IAM wants it (json.dumps keeps ${aws:userid} literal)."""
    return json.dumps(doc, indent=2)


# ---------------------------------------------------------------- evaluation

def load_policy(doc: PolicyDocument) -> dict:
    """A policy document as a dict, from a dict, JSON text, or the URL-encoded JSON IAM's raw API returns."""
    if isinstance(doc, dict):
        return doc
    text = (doc or "").strip()
    if text.lower().startswith("%7b"):  # IAM's raw API URL-encodes documents
        text = unquote(text)
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"The policy is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
                         fix="Fix the JSON, or paste the document generated by the workshop.") from None
    if not isinstance(loaded, dict):
        raise InputError("The policy is JSON but not an object with Version and Statement.",
                         fix="A policy document starts with { and has a Statement list.")
    return loaded


def _listify(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _statements(doc: dict) -> list[dict]:
    return [st for st in _listify(doc.get("Statement")) if isinstance(st, dict)]


def _pattern(text: str, variables: dict[str, str] | None, wildcards: bool, ignore_case: bool) -> re.Pattern | None:
    """A regex for an IAM string: `*`/`?` wildcards, ${…} variables when `variables` is given; None if one is unset."""
    def literal(chunk: str) -> str:
        if not wildcards:
            return re.escape(chunk)
        return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in chunk)

    out, pos = [], 0
    if variables is not None:
        for match in _VARIABLE_RE.finditer(text):
            out.append(literal(text[pos : match.start()]))
            name, _, default = match.group(1).partition(",")
            name = name.strip()
            if name in ("*", "?", "$"):
                out.append(re.escape(name))
            elif name.lower() in variables:
                out.append(re.escape(variables[name.lower()]))
            elif default:
                out.append(re.escape(default.strip().strip("'")))
            else:
                return None  # IAM: a variable whose key is absent matches nothing
            pos = match.end()
    out.append(literal(text[pos:]))
    return re.compile("^" + "".join(out) + r"\Z", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _matches_any(patterns: list, value: str, variables: dict[str, str] | None, *,
                 wildcards: bool = True, ignore_case: bool = False) -> bool:
    for item in patterns:
        regex = _pattern(str(item), variables, wildcards, ignore_case)
        if regex is not None and regex.match(value):
            return True
    return False


def _element_matches(statement: dict, name: str, value: str, variables: dict[str, str] | None,
                     ignore_case: bool = False) -> bool:
    if name in statement:
        return _matches_any(_listify(statement[name]), value, variables, ignore_case=ignore_case)
    if "Not" + name in statement:
        return not _matches_any(_listify(statement["Not" + name]), value, variables, ignore_case=ignore_case)
    return False


def _condition_entry(operator: str, key: str, values: Any, variables: dict[str, str] | None,
                     context: dict[str, str]) -> bool | None:
    qualifier, _, op = operator.rpartition(":")
    if_exists = op.endswith("IfExists")
    op = op[: -len("IfExists")] if if_exists else op
    if key.lower() not in context:
        return True if if_exists or qualifier == "ForAllValues" else None
    actual = context[key.lower()]
    if op in _STRING_OPERATORS:
        like = "Like" in op or op.startswith("Arn")
        hit = _matches_any(_listify(values), actual, variables, wildcards=like, ignore_case="IgnoreCase" in op)
        return hit != ("Not" in op)
    if op == "Bool":
        return actual.lower() in [str(v).lower() for v in _listify(values)]
    return None


def _condition(condition: Any, variables: dict[str, str] | None, context: dict[str, str]) -> tuple[bool | None, str]:
    """Evaluate a Condition block: True, False, or None with what could not be evaluated."""
    if not condition:
        return True, ""
    if not isinstance(condition, dict):
        return None, "a Condition that is not an object"
    result: bool | None = True
    unknown = []
    for operator, block in condition.items():
        for key, values in (block.items() if isinstance(block, dict) else [("?", None)]):
            entry = _condition_entry(operator, key, values, variables, context)
            if entry is False:
                return False, ""
            if entry is None:
                result = None
                unknown.append(f"{operator} on {key}")
    return result, ", ".join(unknown)


def _principal(statement: dict, provider_arn: str) -> bool | None:
    if "NotPrincipal" in statement:
        return None
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if isinstance(principal, dict):
        if provider_arn in _listify(principal.get("Federated")):
            return True
        if "*" in _listify(principal.get("AWS")):
            return True
    return False


@dataclass
class _Match:
    """How one statement applies to one request."""

    sid: str
    effect: str
    applies: bool | None
    unknown: str = ""


def _evaluate(docs: Sequence[dict], action: str, resource: str | None, context: dict[str, str],
              principal: str | None = None) -> list[_Match]:
    matches = []
    for doc in docs:
        variables = context if doc.get("Version") == POLICY_VERSION else None
        for index, statement in enumerate(_statements(doc)):
            if not _element_matches(statement, "Action", action, None, ignore_case=True):
                continue
            if resource is not None and not _element_matches(statement, "Resource", resource, variables):
                continue
            parts = [_condition(statement.get("Condition"), variables, context)]
            if principal is not None:
                parts.append((_principal(statement, principal), "NotPrincipal"))
            results = [r for r, _ in parts]
            applies = False if False in results else None if None in results else True
            unknown = ", ".join(why for r, why in parts if r is None)
            sid = str(statement.get("Sid") or f"#{index + 1}")
            matches.append(_Match(sid, str(statement.get("Effect", "")), applies, unknown))
    return matches


def _decide(matches: list[_Match]) -> bool | None:
    """IAM's rule: an explicit Deny wins, then any Allow; None when a condition could not be evaluated."""
    denies = [m.applies for m in matches if m.effect == "Deny"]
    allows = [m.applies for m in matches if m.effect == "Allow"]
    if True in denies:
        return False
    if True in allows:
        return None if None in denies else True
    return None if None in allows else False


def _docs(doc: PolicyDocument | Sequence[PolicyDocument]) -> list[dict]:
    if isinstance(doc, (dict, str)):
        return [load_policy(doc)]
    return [load_policy(d) for d in doc]


def allows_federation(doc: PolicyDocument | Sequence[PolicyDocument], instance_arn: str, userid: str,
                      context: dict[str, str] | None = None) -> bool:
    """Whether the policy (or all of a role's policies) lets `userid` call GetFederationToken on the instance.

    `userid` is `<RoleId>:<RoleSessionName>`; `${aws:userid}` is substituted only under Version 2012-10-17.
    A condition that cannot be evaluated counts against sign-in (fail closed).
    """
    arn = _instance_arn(instance_arn)
    values = {"aws:userid": userid, "connect:instanceid": arn.rsplit("/", 1)[1]}
    values.update({k.lower(): v for k, v in (context or {}).items()})
    matches = _evaluate(_docs(doc), FEDERATION_ACTION, f"{arn}/user/{userid}", values)
    return _decide(matches) is True


# ---------------------------------------------------------------- findings

def _version_finding(doc: dict, code: str, uses_variables: bool) -> Finding | None:
    version = doc.get("Version")
    if version == POLICY_VERSION:
        return None
    found = f"is '{version}'" if version else "is missing"
    if version not in (None, "2008-10-17"):
        return Finding(code, Severity.ERROR, f"The policy's Version {found}; IAM accepts only 2012-10-17 or 2008-10-17.",
                       fix=f'Set "Version": "{POLICY_VERSION}".')
    if uses_variables:
        return Finding(code, Severity.ERROR,
                       f"The policy's Version {found}, so IAM treats ${{aws:userid}} as literal text and the "
                       "Resource never matches a real user.",
                       fix=f'Add "Version": "{POLICY_VERSION}" at the top of the policy.')
    return Finding(code, Severity.WARNING, f"The policy's Version {found}, which turns policy variables off.",
                   fix=f'Add "Version": "{POLICY_VERSION}" at the top of the policy.')


def _not_json(exc: InputError, code: str) -> list[Finding]:
    return [Finding(code, Severity.ERROR, exc.message, fix=exc.fix)]


def _deny_finding(match: _Match, code: str, action: str, target: str, expected: str = "") -> Finding:
    if match.applies is True:
        return Finding(code, Severity.ERROR,
                       f"The policy's statement {match.sid} explicitly denies {action}, which overrides any Allow.",
                       fix=f"Remove the Deny statement, or narrow it so it does not cover {target}.", expected=expected)
    return Finding(code, Severity.WARNING,
                   f"The policy's statement {match.sid} denies {action} when its condition ({match.unknown}) holds, "
                   "which the workshop cannot evaluate.",
                   fix=f"Check by eye that the condition does not hold for {target}.", expected=expected)


def _unknown_finding(matches: list[_Match], code: str, when: str) -> Finding:
    unknown = "; ".join(m.unknown for m in matches if m.applies is None and m.unknown)
    return Finding(code, Severity.INFO, f"The policy has conditions the workshop cannot evaluate ({unknown}).",
                   fix=f"Check by eye that they hold when {when}.")


def trust_policy_findings(doc: PolicyDocument, provider_arn: str, audiences_in_use: list[str]) -> list[Finding]:
    """Why STS would refuse AssumeRoleWithSAML through this trust policy (F2), or only at a regional ACS (F13)."""
    provider_arn = _provider_arn(provider_arn)
    try:
        policy = load_policy(doc)
    except InputError as exc:
        return _not_json(exc, "F2")
    findings = []
    version = _version_finding(policy, "F2", uses_variables=False)
    if version:
        findings.append(version)
    statements = _statements(policy)
    saml_allows = [st for st in statements if st.get("Effect") == "Allow"
                   and _element_matches(st, "Action", SAML_ACTION, None, ignore_case=True)]
    if not saml_allows:
        findings.append(Finding("F2", Severity.ERROR, f"No statement in the trust policy allows {SAML_ACTION}.",
                                fix="Use the trust policy the workshop generates (saml_trust_policy)."))
        return findings
    if not any(_principal(st, provider_arn) is not False for st in saml_allows):
        trusted = sorted({str(v) for st in saml_allows for v in _listify((st.get("Principal") or {}).get("Federated")
                          if isinstance(st.get("Principal"), dict) else st.get("Principal"))})
        named = ", ".join(trusted) if trusted else "no SAML provider"
        case = " (it differs only in upper and lower case)" if provider_arn.lower() in [t.lower() for t in trusted] else ""
        findings.append(Finding("F2", Severity.ERROR,
                                f"The trust policy trusts {named}, not the provider {provider_arn}{case}.",
                                fix=f'Set "Principal": {{"Federated": "{provider_arn}"}}.', expected=provider_arn))
        return findings
    for audience in audiences_in_use or [""]:
        context = {"saml:aud": audience} if audience else {}
        matches = _evaluate([policy], SAML_ACTION, None, context, principal=provider_arn)
        denied = [m for m in matches if m.effect == "Deny" and m.applies is not False]
        findings.extend(_deny_finding(m, "F2", SAML_ACTION, "this provider") for m in denied)
        decision = _decide(matches)
        if denied or not audience or decision is True:
            continue
        if decision is None:
            findings.append(_unknown_finding(matches, "F2", f"sign-in through {audience}"))
            continue
        regional = bool(_REGIONAL_AUDIENCE_RE.match(audience))
        findings.append(Finding(
            "F13" if regional else "F2", Severity.ERROR,
            f"The trust policy's SAML:aud condition does not include {audience}, the "
            f"{'regional' if regional else 'global'} sign-in endpoint in use, so STS refuses the SAML response.",
            fix=f'Add "{audience}" to the SAML:aud list under StringEquals.', expected=audience))
    return list(dict.fromkeys(findings))


def _lost_variable(resource: str, arn: str) -> bool:
    tail = resource[len(arn + "/user/") :] if resource.startswith(arn + "/user/") else None
    return tail is not None and tail != USERID_VARIABLE and ("aws:userid" in tail or tail in ("", "$"))


def _other_instance(resource: str, arn: str) -> str:
    match = re.match(r"^(arn:[^:]+:connect:[^:]*:[^:]*:instance/[^/]+)", resource)
    if match and "*" not in match.group(1) and "?" not in match.group(1) and match.group(1) != arn:
        return match.group(1)
    return ""


def federation_policy_findings(doc: PolicyDocument, instance_arn: str) -> list[Finding]:
    """Why Connect would answer 'Access denied' after AWS sign-in (F9): action, Version, Resource, Deny."""
    arn = _instance_arn(instance_arn)
    expected = policy_json(federation_policy(arn))
    try:
        policy = load_policy(doc)
    except InputError as exc:
        return _not_json(exc, "F9")
    wanted = f"{arn}/user/{USERID_VARIABLE}"
    allows = [st for st in _statements(policy) if st.get("Effect") == "Allow"
              and _element_matches(st, "Action", FEDERATION_ACTION, None, ignore_case=True)]
    if not allows:
        return [Finding("F9", Severity.ERROR, f"No statement in the policy allows {FEDERATION_ACTION}.",
                        fix="Attach AmazonConnectSSOPolicy (federation_policy) to the role.", expected=expected)]
    findings = []
    resources = [str(r) for st in allows for r in _listify(st.get("Resource"))]
    context = {"aws:userid": SAMPLE_USERID, "connect:instanceid": arn.rsplit("/", 1)[1]}
    matches = _evaluate([policy], FEDERATION_ACTION, f"{arn}/user/{SAMPLE_USERID}", context)
    decision = _decide(matches)
    uses_variables = decision is not True and any("${" in r for r in resources)
    version = _version_finding(policy, "F9", uses_variables=uses_variables)
    if version:
        findings.append(version)
    denied = [m for m in matches if m.effect == "Deny" and m.applies is not False]
    findings.extend(_deny_finding(m, "F9", FEDERATION_ACTION, "this instance", expected) for m in denied)
    if decision is True or denied or any(f.severity is Severity.ERROR for f in findings):
        return findings
    if decision is None:
        findings.append(_unknown_finding(matches, "F9", "Amazon Connect calls GetFederationToken"))
        return findings
    specific = False
    for resource in dict.fromkeys(resources):
        other = _other_instance(resource, arn)
        if other:
            findings.append(Finding("F9", Severity.ERROR,
                                    f"The policy's Resource {resource} is for another instance ({other}), but "
                                    f"sign-in uses {arn}.", fix=f"Change the Resource to {wanted}.", expected=expected))
            specific = True
        elif resource == arn:
            findings.append(Finding("F9", Severity.ERROR,
                                    f"The policy's Resource is the instance ARN itself, but {FEDERATION_ACTION} is "
                                    "authorised on the user inside the instance.",
                                    fix="Append /user/${aws:userid} to the Resource.", expected=expected))
            specific = True
        elif _lost_variable(resource, arn):
            findings.append(Finding("F9", Severity.ERROR,
                                    f"The policy's Resource {resource} has lost the ${{aws:userid}} variable, usually "
                                    "to Python string formatting (f-strings and string.Template consume ${…}).",
                                    fix=f"Build the Resource by concatenation so it reads exactly {wanted}.",
                                    expected=expected))
            specific = True
    variables = context if policy.get("Version") == POLICY_VERSION else None
    sample = f"{arn}/user/{SAMPLE_USERID}"
    for index, statement in enumerate(allows):
        if statement.get("Condition") and _element_matches(statement, "Resource", sample, variables):
            sid = statement.get("Sid") or f"#{index + 1}"
            findings.append(Finding("F9", Severity.ERROR,
                                    f"The policy's statement {sid} covers this instance, but its Condition does not "
                                    "hold for it (for example connect:InstanceId names another instance).",
                                    fix=f"Fix the Condition, or use the Resource {wanted} without one.",
                                    expected=expected))
            specific = True
    if not specific:
        shown = ", ".join(resources) or "no Resource"
        findings.append(Finding("F9", Severity.ERROR,
                                f"The policy allows {FEDERATION_ACTION} only on {shown}, which does not cover "
                                f"{wanted}.", fix=f"Change the Resource to {wanted}.", expected=expected))
    return findings
