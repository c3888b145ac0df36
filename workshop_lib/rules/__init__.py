"""Pure rules for identifiers, Regions, relay state, usernames, the Role attribute and IAM documents.

No boto3, no network, no file I/O; botocore's bundled endpoint data is loaded lazily on first use.
"""

from workshop_lib.rules.iam_documents import (
    allows_federation,
    federation_policy,
    federation_policy_findings,
    policy_json,
    saml_audiences,
    saml_trust_policy,
    trust_policy_findings,
)
from workshop_lib.rules.instance import UUID_RE, InstanceRef, instance_arn, parse_instance, validate_instance_id
from workshop_lib.rules.names import default_alias, validate_alias, validate_group_name, validate_iam_name
from workshop_lib.rules.regions import all_regions, connect_regions, partition_of, validate_region
from workshop_lib.rules.relay_state import (
    DESTINATIONS,
    RelayState,
    admin_relay_state_url,
    check_relay_state,
    parse_relay_state,
    relay_state_url,
)
from workshop_lib.rules.role_attribute import (
    ROLE_ATTRIBUTE_NAME,
    ROLE_SESSION_NAME_ATTRIBUTE_NAME,
    SESSION_DURATION_ATTRIBUTE_NAME,
    RoleAttribute,
    parse_arn,
    parse_role_attribute,
    role_arn,
    role_attribute_findings,
    role_attribute_value,
    saml_provider_arn,
)
from workshop_lib.rules.usernames import match_username, suggest_username, username_problems, validate_username

__all__ = [
    "DESTINATIONS",
    "ROLE_ATTRIBUTE_NAME",
    "ROLE_SESSION_NAME_ATTRIBUTE_NAME",
    "SESSION_DURATION_ATTRIBUTE_NAME",
    "UUID_RE",
    "InstanceRef",
    "RelayState",
    "RoleAttribute",
    "admin_relay_state_url",
    "all_regions",
    "allows_federation",
    "check_relay_state",
    "connect_regions",
    "default_alias",
    "federation_policy",
    "federation_policy_findings",
    "instance_arn",
    "match_username",
    "parse_arn",
    "parse_instance",
    "parse_relay_state",
    "parse_role_attribute",
    "partition_of",
    "policy_json",
    "relay_state_url",
    "role_arn",
    "role_attribute_findings",
    "role_attribute_value",
    "saml_audiences",
    "saml_provider_arn",
    "saml_trust_policy",
    "suggest_username",
    "trust_policy_findings",
    "username_problems",
    "validate_alias",
    "validate_group_name",
    "validate_iam_name",
    "validate_instance_id",
    "validate_region",
    "validate_username",
]
