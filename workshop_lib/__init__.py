"""connect-sso-workshop: set up IAM Identity Center as the SAML identity provider for Amazon Connect.

Nothing heavy is imported here: boto3, pandas and moto load lazily where they are needed.
"""

from workshop_lib.errors import WorkshopError

__version__ = "0.1.0"
__all__ = ["WorkshopError", "__version__"]
