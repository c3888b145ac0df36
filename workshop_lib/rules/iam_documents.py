"""IAM documents for Connect federation: the permission policy, the SAML trust policy, and checks of both.

The checks evaluate policies with ``rules.policy_eval`` (the way IAM does for the few things that matter
here), so the sandbox can decide sign-in and the doctor can explain failures with the same code.
"""

from __future__ import annotations

import json
import re
from typing import Sequence

from workshop_lib.errors import InputError
from workshop_lib.findings import Finding, Severity
from workshop_lib.rules.instance import parse_instance
from workshop_lib.rules.policy_eval import (
    POLICY_VERSION,
    Match,
    PolicyDocument,
    decide,
    documents,
    element_matches,
    evaluate,
    listify,
    load_policy,
    principal_allows,
    statements,
)
from workshop_lib.rules.regions import partition_of, validate_region
from workshop_lib.rules.role_attribute import PROVIDER_ARN_RE

USERID_VARIABLE = "${aws:userid}"  # must reach IAM literally: never build it with an f-string or Template
FEDERATION_ACTION = "connect:GetFederationToken"
SAML_ACTION = "sts:AssumeRoleWithSAML"
SAMPLE_USERID = "AROAEXAMPLEROLEID0001:agent1@connect-workshop.com"  # <RoleId>:<RoleSessionName>
SIGNIN_HOSTS = {"aws": "signin.aws.amazon.com", "aws-us-gov": "signin.amazonaws-us-gov.com"}
_REGIONAL_AUDIENCE_RE = re.compile(r"^https://[a-z0-9-]+\.signin\.")



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


# ---------------------------------------------------------------- the sign-in decision

def allows_federation(doc: PolicyDocument | Sequence[PolicyDocument], instance_arn: str, userid: str,
                      context: dict[str, str] | None = None) -> bool:
    """Whether the policy (or all of a role's policies) lets `userid` call GetFederationToken on the instance.

    `userid` is `<RoleId>:<RoleSessionName>`; `${aws:userid}` is substituted only under Version 2012-10-17.
    A condition that cannot be evaluated counts against sign-in (fail closed).
    """
    arn = _instance_arn(instance_arn)
    values = {"aws:userid": userid, "connect:instanceid": arn.rsplit("/", 1)[1]}
    values.update({k.lower(): v for k, v in (context or {}).items()})
    matches = evaluate(documents(doc), FEDERATION_ACTION, f"{arn}/user/{userid}", values)
    return decide(matches) is True


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


def _deny_finding(match: Match, code: str, action: str, target: str, expected: str = "") -> Finding:
    if match.applies is True:
        return Finding(code, Severity.ERROR,
                       f"The policy's statement {match.sid} explicitly denies {action}, which overrides any Allow.",
                       fix=f"Remove the Deny statement, or narrow it so it does not cover {target}.", expected=expected)
    return Finding(code, Severity.WARNING,
                   f"The policy's statement {match.sid} denies {action} when its condition ({match.unknown}) holds, "
                   "which the workshop cannot evaluate.",
                   fix=f"Check by eye that the condition does not hold for {target}.", expected=expected)


def _unknown_finding(matches: list[Match], code: str, when: str) -> Finding:
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
    all_statements = statements(policy)
    saml_allows = [st for st in all_statements if st.get("Effect") == "Allow"
                   and element_matches(st, "Action", SAML_ACTION, None, ignore_case=True)]
    if not saml_allows:
        findings.append(Finding("F2", Severity.ERROR, f"No statement in the trust policy allows {SAML_ACTION}.",
                                fix="Use the trust policy the workshop generates (saml_trust_policy)."))
        return findings
    if not any(principal_allows(st, provider_arn) is not False for st in saml_allows):
        trusted = sorted({str(v) for st in saml_allows for v in listify((st.get("Principal") or {}).get("Federated")
                          if isinstance(st.get("Principal"), dict) else st.get("Principal"))})
        named = ", ".join(trusted) if trusted else "no SAML provider"
        case = " (it differs only in upper and lower case)" if provider_arn.lower() in [t.lower() for t in trusted] else ""
        findings.append(Finding("F2", Severity.ERROR,
                                f"The trust policy trusts {named}, not the provider {provider_arn}{case}.",
                                fix=f'Set "Principal": {{"Federated": "{provider_arn}"}}.', expected=provider_arn))
        return findings
    for audience in audiences_in_use or [""]:
        context = {"saml:aud": audience} if audience else {}
        matches = evaluate([policy], SAML_ACTION, None, context, principal=provider_arn)
        denied = [m for m in matches if m.effect == "Deny" and m.applies is not False]
        findings.extend(_deny_finding(m, "F2", SAML_ACTION, "this provider") for m in denied)
        decision = decide(matches)
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
    allows = [st for st in statements(policy) if st.get("Effect") == "Allow"
              and element_matches(st, "Action", FEDERATION_ACTION, None, ignore_case=True)]
    if not allows:
        return [Finding("F9", Severity.ERROR, f"No statement in the policy allows {FEDERATION_ACTION}.",
                        fix="Attach AmazonConnectSSOPolicy (federation_policy) to the role.", expected=expected)]
    findings = []
    resources = [str(r) for st in allows for r in listify(st.get("Resource"))]
    context = {"aws:userid": SAMPLE_USERID, "connect:instanceid": arn.rsplit("/", 1)[1]}
    matches = evaluate([policy], FEDERATION_ACTION, f"{arn}/user/{SAMPLE_USERID}", context)
    decision = decide(matches)
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
        if statement.get("Condition") and element_matches(statement, "Resource", sample, variables):
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
