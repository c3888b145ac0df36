"""SAML toolkit: read IdP metadata, decode and verify SAML responses, and judge them by AWS's rules.

Pure functions over bytes and text; lxml, cryptography and signxml load only when a function needs them.
"""

from workshop_lib.saml.inspect import Inspection, inspect_response
from workshop_lib.saml.judge import judge_response
from workshop_lib.saml.metadata import MetadataReport, load_metadata
from workshop_lib.saml.decode import decode_response
from workshop_lib.saml.response import SamlResponse, parse_response
from workshop_lib.saml.signature import VerifiedResponse, verify_response

__all__ = [
    "Inspection",
    "MetadataReport",
    "SamlResponse",
    "VerifiedResponse",
    "decode_response",
    "inspect_response",
    "judge_response",
    "load_metadata",
    "parse_response",
    "verify_response",
]
