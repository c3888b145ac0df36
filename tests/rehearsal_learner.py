"""A test driver that does the workshop on the ``rehearsal`` target the way a learner does it on a real account.

API steps are run from their cards. For a console step it reads the step card's guide (the exact values and the
instructions it shows) and does that in the sandbox's simulated console, as the learner would in the AWS
console; it never calls the step's own ``simulate`` (the rehearsal card offers none). It downloads each
application's metadata from the simulated console and uploads it through the upload widget, pastes back the
relay state and the Role value it entered, gives people one-time passwords and signs in through the portal.
"""

from __future__ import annotations

import datetime
import re
import secrets
from dataclasses import dataclass, field

from workshop_lib.chapters import chapter
from workshop_lib.chapters.model import Guide, State, Status
from workshop_lib.context import Context
from workshop_lib.rules.role_attribute import ROLE_ATTRIBUTE_NAME
from workshop_lib.sandbox.client import console_client
from workshop_lib.ui.step_card import StepCard

QUOTED = re.compile(r"'([^']+)'")  # the guide names an application as 'Display name'


def guide_values(guide: Guide) -> dict[str, list[str]]:
    """The copy fields of a guide, by label (a label can repeat: one "User" per person)."""
    out: dict[str, list[str]] = {}
    for v in guide.values:
        out.setdefault(v.label, []).append(v.value)
    return out


def named_application(guide: Guide) -> str:
    """The application a guide's instructions tell the learner to open."""
    for line in guide.instructions:
        found = QUOTED.search(line)
        if found:
            return found.group(1)
    raise AssertionError(f"The guide names no application: {guide.instructions}")


@dataclass
class Learner:
    """One learner on the rehearsal target: their Context, the sandbox's console endpoint, what they did by hand."""

    ctx: Context
    endpoint: str
    strict: bool = True  # every step must succeed (False in an account where steps may rightly refuse)
    passwords: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, Status] = field(default_factory=dict)
    by_hand: list[str] = field(default_factory=list)  # console steps done, in order
    uploads: list[str] = field(default_factory=list)  # widget messages after each upload
    signed_in: dict[str, str] = field(default_factory=dict)  # user -> landing

    def card(self, key: str) -> StepCard:
        from workshop_lib.chapters import find_step

        return StepCard(find_step(key), self.ctx)

    # ---- the workshop -----------------------------------------------------------------------------

    def do_chapters(self, *numbers: str) -> dict[str, Status]:
        for number in numbers:
            for step in chapter(number).steps:
                self.do_step(step.key)
        return self.statuses

    def do_step(self, key: str) -> Status:
        card = self.card(key)
        if card.step.kind == "console" or card.step.key.startswith("signin."):
            status = self._by_hand(card)
        else:
            status = card.perform()
        self.statuses[key] = status
        return status

    # ---- console steps, from the card -------------------------------------------------------------

    def _by_hand(self, card: StepCard) -> Status:
        assert card.run_button is None, f"{card.step.key}: the rehearsal card must not offer to do a console step"
        before = card.perform()  # on a real account this only checks: nothing is done for the learner
        guide = card.step.guide(card.ctx)
        values = guide_values(guide)
        key = card.step.key
        if key == "idc.instance":
            console_client.enable_identity_center(self.endpoint, values["Region"][0])
        elif key.endswith(".app"):
            assert before.state is State.MISSING, (key, before.summary)
            console_client.add_application(self.endpoint, values["Display name"][0])
        elif key.endswith(".app.metadata"):
            self._download_and_upload(key.split(".")[0], named_application(guide))
        elif key.endswith(".app.relay_state"):
            assert before.state is State.UNKNOWN, (key, before.summary)  # no API reads it back
            app, relay = named_application(guide), values["Relay state"][0]
            console_client.set_relay_state(self.endpoint, app, relay)
            if any("12 hours" in line for line in guide.instructions):
                console_client.set_application_saml(self.endpoint, app, session_duration=12 * 3600)
            self.by_hand.append(key)
            return card.confirm(relay)  # paste back what was saved
        elif key.endswith(".app.mappings"):
            assert before.state is State.UNKNOWN, (key, before.summary)
            app = named_application(guide)
            rows = {label: value[0] for label, value in values.items()}
            email_subject = any("emailAddress" in line for line in guide.instructions)
            console_client.set_attribute_mappings(
                self.endpoint, app,
                {k: ({"value": v, "format": "emailAddress"} if k == "Subject" and email_subject else v) for k, v in rows.items()},
            )
            self.by_hand.append(key)
            return card.confirm(rows[ROLE_ATTRIBUTE_NAME])  # paste back the Role value as saved
        elif key.endswith(".passwords"):
            assert before.state is State.UNKNOWN, (key, before.summary)
            for user in values.get("User", []):
                if user not in self.passwords:
                    self.passwords[user] = secrets.token_urlsafe(12)
                    console_client.set_user_password(self.endpoint, None, user, self.passwords[user])
        elif key.startswith("signin."):
            assert before.state is State.UNKNOWN, (key, before.summary)  # signing in is the learner's job
            user = values["User"][0]
            app = next(QUOTED.search(line).group(1) for line in guide.instructions if "tile" in line)
            result = console_client.sign_in(self.endpoint, user, app, password=self.passwords.get(user))
            assert result.ok or not self.strict, (key, result.code, result.message, result.detail)
            if result.ok:
                self.signed_in[user] = result.landing
        else:
            raise AssertionError(f"The rehearsal learner does not know the console step {key}")
        self.by_hand.append(key)
        return card.refresh()

    def remove_by_hand(self, manual: list[str]) -> None:
        """Cleanup's "by hand" list: remove the applications it names, as the console's Applications → Remove does."""
        sso = self.ctx.client("sso-admin")
        instance = sso.list_instances()["Instances"][0]["InstanceArn"]
        named = {QUOTED.search(line).group(1) for line in manual if "application" in line and QUOTED.search(line)}
        for app in sso.list_applications(InstanceArn=instance)["Applications"]:
            if app["Name"] in named:
                sso.delete_application(ApplicationArn=app["ApplicationArn"])
                self.by_hand.append(f"remove {app['Name']}")

    def _download_and_upload(self, side: str, application: str) -> None:
        """Download the metadata .xml in the console, then upload it through the upload widget (ui.metadata_upload)."""
        from workshop_lib.ui.inspectors import MetadataUpload

        xml = console_client.download_metadata(self.endpoint, application)
        widget = MetadataUpload(self.ctx, side)
        widget.upload.value = ({"name": f"{application}.xml", "type": "text/xml", "size": len(xml), "content": memoryview(xml),
                                "last_modified": datetime.datetime.now(datetime.timezone.utc)},)
        self.uploads.append(widget.result.value)
        assert "Kept." in widget.result.value, widget.result.value
