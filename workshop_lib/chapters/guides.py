"""What the console guides of the application steps say: the documentation they follow, where people land,
the regional sign-in endpoint, and each guide's instructions and values (checked against AWS's current console docs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workshop_lib.chapters.model import CopyValue, Guide

if TYPE_CHECKING:
    from workshop_lib.context import Context
    from workshop_lib.rules.chain import Side


# The AWS documentation each console guide follows (kept beside the guide, shown on the card).
DOCS_CATALOG_APP = "https://docs.aws.amazon.com/singlesignon/latest/userguide/saasapps.html"
DOCS_CONNECT_SAML = "https://docs.aws.amazon.com/connect/latest/adminguide/configure-saml.html"
DOCS_ATTRIBUTE_MAPPINGS = "https://docs.aws.amazon.com/singlesignon/latest/userguide/attributemappingsconcept.html"
DESTINATIONS = {"ccp": "the Contact Control Panel (CCP)", "agent-workspace": "the agent workspace"}


def agent_destination(ctx: "Context") -> str:
    """Where agents land: the settings' choice when it is one we know, else the CCP."""
    chosen = getattr(ctx.settings, "agent_destination", "ccp") or "ccp"
    return chosen if chosen in DESTINATIONS else "ccp"


def landing_words(ctx: "Context", fed: "Side") -> str:
    return DESTINATIONS[agent_destination(ctx)] if fed.destination else "the Amazon Connect admin website"


def regional_acs_url(region: str) -> str:
    """The regional AWS sign-in endpoint of ``region`` (the trust policy's SAML:aud accepts it and the global one)."""
    from workshop_lib.rules.iam_documents import saml_audiences

    return saml_audiences(region)[1]


def app_guide(fed: "Side"):
    def guide(ctx: "Context") -> Guide:
        from workshop_lib.chapters.federation import attribute_mappings, idc_console, relay_state  # noqa: F401 - federation imports this module
        name = ctx.settings.name(fed.app_key)
        region = ctx.settings.region
        return Guide(
            link=idc_console(ctx, "applications"),
            docs=DOCS_CATALOG_APP,
            instructions=[
                "In the IAM Identity Center console choose **Applications**, then the **Customer managed** tab, then **Add application**.",
                "Choose **I want to select an application from the catalog**, search for **Amazon Connect**, select it and choose **Next**.",
                "Under **Configure application**, set the **Display name** to the value below exactly (the workshop finds the application by it).",
                "Leave the application metadata as the catalog filled it in (ACS URL `https://signin.aws.amazon.com/saml`, audience `urn:amazon:webservices`) and choose **Submit**.",
            ],
            note=(
                "Optional, the regional sign-in endpoint: the catalog's ACS URL is AWS's sign-in endpoint in us-east-1. "
                "To sign in through your instance's Region instead, set **Application ACS URL** to the regional value below. "
                "The role's trust policy that chapter 04 creates accepts both in its SAML:aud condition, so either works; "
                "an older trust policy with only the global value fails with the regional one (F13)."
            ),
            values=[CopyValue("Display name", name), CopyValue(f"Regional ACS URL for {region} (optional)", regional_acs_url(region))],
        )

    return guide


def metadata_guide(fed: "Side"):
    def guide(ctx: "Context") -> Guide:
        from workshop_lib.chapters.federation import attribute_mappings, idc_console, relay_state  # noqa: F401 - federation imports this module
        return Guide(
            link=idc_console(ctx, "applications"),
            docs=DOCS_CATALOG_APP,
            instructions=[
                f"Open the application {ctx.settings.name(fed.app_key)!r} (Applications → Customer managed).",
                "Under **IAM Identity Center metadata**, download the **IAM Identity Center SAML metadata file** (the .xml, not the certificate).",
                "Upload it with the **Upload metadata .xml** button above this card; it is checked the way IAM will check it before anything is created.",
            ],
        )

    return guide


def relay_guide(fed: "Side"):
    def guide(ctx: "Context") -> Guide:
        from workshop_lib.chapters.federation import attribute_mappings, idc_console, relay_state  # noqa: F401 - federation imports this module
        where = landing_words(ctx, fed)
        note = (
            "The destination is chosen in 00_start_here (**Agents land on**): the Contact Control Panel (`%2Fccp-v2`) "
            "or the agent workspace (`%2Fagent-app-v2`). Change it there and this value follows."
            if fed.destination else
            "The admin relay state has no destination: administrators land on the Amazon Connect admin website."
        )
        return Guide(
            link=idc_console(ctx, "applications"),
            docs=DOCS_CONNECT_SAML,
            instructions=[
                f"Open the application {ctx.settings.name(fed.app_key)!r}, choose **Actions → Edit configuration**.",
                f"Under **Application properties**, paste the relay state below into **Relay state** ({fed.audience} land on {where}). Leave **Application start URL** blank.",
                f"Set **Session duration** to 12 hours so {fed.audience} are not signed out in the middle of a shift, and choose **Save changes**.",
            ],
            note=note,
            values=[CopyValue("Relay state", relay_state(ctx, fed))],
        )

    return guide


def mappings_guide(fed: "Side"):
    def guide(ctx: "Context") -> Guide:
        from workshop_lib.chapters.federation import attribute_mappings, idc_console, relay_state  # noqa: F401 - federation imports this module
        rows = attribute_mappings(ctx, fed)
        return Guide(
            link=idc_console(ctx, "applications"),
            docs=DOCS_ATTRIBUTE_MAPPINGS,
            instructions=[
                f"Open the application {ctx.settings.name(fed.app_key)!r}, choose **Actions → Edit attribute mappings**.",
                "Make the rows match the values below exactly (Subject: format **emailAddress**). Add a row with **Add new attribute mapping** where one is missing. The Role value has no spaces.",
                "Choose **Save changes**.",
            ],
            values=[CopyValue(k, v) for k, v in rows.items()],
        )

    return guide
