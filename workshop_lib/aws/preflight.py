"""Who am I, where am I, and can this account host the workshop? Read-only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workshop_lib.aws.errors import DENIED_CODES, error_code, explained
from workshop_lib.aws.session import client, resolve_target

if TYPE_CHECKING:
    from workshop_lib.settings import Settings


@dataclass
class Preflight:
    target: str
    region: str
    idc_region: str
    account: str
    caller_arn: str
    organization_id: str = ""
    management_account: str = ""
    all_features: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def is_management_account(self) -> bool:
        return bool(self.management_account) and self.management_account == self.account

    def lines(self) -> list[str]:
        out = [
            f"Target: {self.target}",
            f"Account: {self.account}",
            f"Caller: {self.caller_arn}",
            f"Connect Region: {self.region}; Identity Center Region: {self.idc_region}",
        ]
        if self.organization_id:
            role = "the management account" if self.is_management_account else f"a member account (management account {self.management_account})"
            out.append(f"Organization {self.organization_id} ({'all features' if self.all_features else 'consolidated billing only'}); this is {role}.")
        else:
            out.append("No AWS Organization yet: chapter 02 creates one.")
        out.extend(self.notes)
        return out


def run_preflight(settings: "Settings") -> Preflight:
    """Account, caller and Organizations standing. Never prints or returns credentials."""
    target = resolve_target(settings)
    with explained("sts:GetCallerIdentity"):
        ident = client("sts", settings).get_caller_identity()
    result = Preflight(
        target=target.kind,
        region=settings.region,
        idc_region=settings.identity_center_region,
        account=ident["Account"],
        caller_arn=ident["Arn"],
    )
    import botocore.exceptions as bx

    try:
        org = client("organizations", settings).describe_organization()["Organization"]
    except (bx.ClientError, bx.BotoCoreError) as exc:  # no answer at all is explained too, never raw
        code = error_code(exc)
        if code == "AWSOrganizationsNotInUseException":
            return result
        if code in DENIED_CODES:
            result.notes.append("Cannot read AWS Organizations (access denied): Identity Center needs the management account or a delegated administrator.")
            return result
        with explained("organizations:DescribeOrganization"):
            raise
    result.organization_id = org["Id"]
    result.management_account = org.get("MasterAccountId", "")
    result.all_features = org.get("FeatureSet") == "ALL"
    if not result.is_management_account:
        result.notes.append("This is not the management account: enabling Identity Center needs the management account (F14/F15).")
    return result
