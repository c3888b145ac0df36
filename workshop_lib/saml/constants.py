"""Exact names and values AWS expects in a SAML exchange (aws-facts §4); the rules package will share these later."""

from __future__ import annotations

import re

AWS_ATTRIBUTE_PREFIX = "https://aws.amazon.com/SAML/Attributes/"
ROLE_ATTRIBUTE_NAME = AWS_ATTRIBUTE_PREFIX + "Role"
ROLE_SESSION_NAME_ATTRIBUTE_NAME = AWS_ATTRIBUTE_PREFIX + "RoleSessionName"
SESSION_DURATION_ATTRIBUTE_NAME = AWS_ATTRIBUTE_PREFIX + "SessionDuration"

AWS_AUDIENCE = "urn:amazon:webservices"
GLOBAL_ACS = "https://signin.aws.amazon.com/saml"

ROLE_SESSION_NAME_PATTERN = re.compile(r"^[a-zA-Z_0-9+=,.@-]{2,64}$")
SESSION_DURATION_MIN = 900
SESSION_DURATION_MAX = 43200

_PARTITION = r"arn:aws(?:-cn|-us-gov|-iso|-iso-b)?"
ROLE_ARN_PATTERN = re.compile(_PARTITION + r":iam::(\d{12}):role/[\w+=,.@/-]+$")
PROVIDER_ARN_PATTERN = re.compile(_PARTITION + r":iam::(\d{12}):saml-provider/[\w._-]+$")

# Every sign-in endpoint that accepts a SAML response for the console (global, regional, China, GovCloud),
# with or without the per-provider /acs/<id> suffix used for encrypted assertions.
ACS_PATTERN = re.compile(
    r"^https://(?:[a-z]{2}(?:-[a-z]+)+-\d\.)?signin\.(?:aws\.amazon\.com|amazonaws\.cn|amazonaws-us-gov\.com)"
    r"/saml(?:/acs/[A-Za-z0-9-]+)?$"
)

STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"

# IAM quota: the base64 SAMLResponse may be at most this long.
MAX_BASE64_RESPONSE_CHARS = 100_000

# Clock-skew allowance for NotBefore / NotOnOrAfter. AWS does not document how much skew sign-in and
# sts:AssumeRoleWithSAML tolerate (the IAM guide only says the assertion must be within its validity
# window: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html).
# Peers: python3-saml allows 300 s (OneLogin_Saml2_Constants.ALLOWED_CLOCK_DRIFT), Shibboleth SP 180 s
# (clockSkew), pysaml2 0 s unless accepted_time_diff is set. We take python3-saml's 5 minutes, the same as
# the sandbox's simulated AWS, and say so when a response is only valid thanks to it (a warning, not a pass).
CLOCK_SKEW_SECONDS = 300
