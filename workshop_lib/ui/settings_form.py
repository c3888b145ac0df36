"""The settings form: target, Regions, the Connect instance (picked or pasted, validated inline), a name prefix."""

from __future__ import annotations


from workshop_lib.ui.widgets import Displayable
from workshop_lib.errors import WorkshopError
from workshop_lib.ui.widgets import message_html


class SettingsForm(Displayable):
    """Every change is validated, then written to the settings file at once (atomically)."""

    def __init__(self, ctx) -> None:
        import ipywidgets as W

        from workshop_lib.rules.regions import all_regions, connect_regions

        self.ctx = ctx
        s = ctx.settings
        regions = connect_regions("aws") + connect_regions("aws-us-gov")
        idc_regions = all_regions("aws", "sso-admin") + all_regions("aws-us-gov", "sso-admin")
        self.target = W.ToggleButtons(options=[("Sandbox (no AWS account)", "sandbox"), ("Rehearsal (sandbox, as a real account)", "rehearsal"), ("My AWS account", "aws")], value=s.target, description="Target", style={"button_width": "auto"})
        self.profile = W.Combobox(value=s.profile, options=_profiles(), placeholder="default credentials", description="Profile", ensure_option=False)
        self.region = W.Dropdown(options=regions, value=s.region if s.region in regions else "us-east-1", description="Connect Region")
        self.idc_region = W.Dropdown(options=["(same as Connect)"] + idc_regions, value=s.idc_region or "(same as Connect)", description="Identity Center Region")
        self.instance_picker = W.Dropdown(options=[("(create a new one in chapter 01)", "")], value="", description="Instance", layout=W.Layout(width="60%"))
        self.instance_text = W.Text(value=s.instance_arn or s.instance_id, placeholder="or paste the ID or ARN of an instance you already have", description="Instance ID or ARN", layout=W.Layout(width="80%"))
        self.destination = W.Dropdown(options=[("Contact Control Panel (CCP)", "ccp"), ("Agent workspace", "agent-workspace")],
                                      value=s.agent_destination if s.agent_destination in ("ccp", "agent-workspace") else "ccp", description="Agents land on",
                                      tooltip="Where agents arrive after signing in: the relay state's destination (chapter 03)")
        self.prefix = W.Text(value=s.name_prefix, placeholder="optional, e.g. team7-", description="Name prefix")
        self.prefix_help = W.HTML(
            "<small>Optional. Put in front of every name the workshop creates (roles, provider, policy, groups, applications), "
            "so several people can share one AWS account. Letters, digits, '_', '.' and '-' only. Leave it empty when the account is yours alone.</small>"
        )
        self.refresh_button = W.Button(description="List my instances", icon="refresh", layout=W.Layout(width="auto"),
                                       tooltip="Read the Amazon Connect instances of this account in the chosen Region")
        self.message = W.HTML()
        self.target.tooltips = ["Work in a simulated AWS on this machine: nothing is created in a real account",
                                "Work in the AWS account of your credentials (or the profile below)"]
        for w in (self.target, self.profile, self.region, self.idc_region, self.instance_picker, self.instance_text, self.destination, self.prefix):
            w.style.description_width = "170px"
        for w in (self.target, self.profile, self.region, self.idc_region, self.destination, self.prefix):
            w.observe(self._on_change, names="value")
        self.instance_picker.observe(self._on_pick, names="value")
        self.instance_text.observe(self._on_paste, names="value")
        self.refresh_button.on_click(lambda _b: self.list_instances())
        self.widget = W.VBox([self.target, self.profile, self.region, self.idc_region, W.HBox([self.instance_picker, self.refresh_button]), self.instance_text, self.destination, self.prefix, self.prefix_help, self.message])
        self.widget.add_class("workshop-settings-form")
        self.profile.layout.display = "" if s.target == "aws" else "none"
        self.list_instances(select=s.instance_arn)

    # ---- events -----------------------------------------------------------------------------
    def _on_change(self, change) -> None:
        from workshop_lib.aws.session import forget_clients
        from workshop_lib.rules.names import validate_name_prefix
        from workshop_lib.rules.regions import validate_region

        try:
            prefix = validate_name_prefix(self.prefix.value)
            region = validate_region(self.region.value)
            idc = "" if self.idc_region.value == "(same as Connect)" else validate_region(self.idc_region.value, service="sso-admin")
            with self.ctx.update() as s:
                s.target, s.profile, s.region, s.idc_region = self.target.value, (self.profile.value or "").strip(), region, idc
                s.name_prefix = prefix
                s.agent_destination = self.destination.value
                if s.target == "aws":
                    s.account_id = ""  # re-learnt from the new credentials
            forget_clients()
            self.profile.layout.display = "" if self.target.value == "aws" else "none"
            self._say("Saved.", "ok")
        except WorkshopError as exc:
            self._say(str(exc), "error")

    def _on_paste(self, change) -> None:
        text = (change["new"] or "").strip()
        if text:
            self.use_instance_text(text)

    def _on_pick(self, change) -> None:
        if change["new"]:
            self.use_instance_text(change["new"])

    # ---- actions (callable from tests and notebooks) ----------------------------------------
    def use_instance_text(self, text: str) -> bool:
        """Validate a pasted ID or ARN against the chosen Region; on success it becomes the workshop's instance."""
        from workshop_lib.rules.instance import parse_instance

        try:
            ref = parse_instance(text, self.region.value)
        except WorkshopError as exc:
            self._say(str(exc), "error")
            return False
        with self.ctx.update() as s:
            s.instance_id = ref.instance_id
            if ref.arn:
                s.instance_arn, s.account_id = ref.arn, ref.account or s.account_id
            elif s.account_id:
                from workshop_lib.rules.instance import instance_arn

                s.instance_arn = instance_arn(s.region, s.account_id, ref.instance_id)
        self._say(f"Instance {ref.instance_id} chosen.", "ok")
        return True

    def list_instances(self, select: str = "") -> list[tuple[str, str]]:
        """Fill the picker with the account's instances in the chosen Region (one paginated call)."""
        from workshop_lib.aws.resources import list_instances

        try:
            found = list_instances(self.ctx)
        except WorkshopError as exc:
            self._say(str(exc), "error")
            return []
        options = [("(create a new one in chapter 01)", "")] + [
            (f"{i.get('InstanceAlias', '?')} — {i['Id']} ({i.get('IdentityManagementType', '?')})", i["Arn"]) for i in found
        ]
        self.instance_picker.options = options
        if select and any(value == select for _, value in options):
            self.instance_picker.value = select
        from workshop_lib.rules.words import plural

        self._say(f"{plural(len(found), 'instance')} in {self.region.value}.", "info")
        return options

    def _say(self, text: str, kind: str) -> None:
        self.message.value = message_html(text, kind)




def _profiles() -> list[str]:
    try:
        import botocore.session

        return sorted(botocore.session.Session().available_profiles)
    except Exception:  # noqa: BLE001 - a broken ~/.aws/config must not break the form
        return []
