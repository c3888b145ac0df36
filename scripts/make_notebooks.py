"""Write notebooks/*.ipynb from the text below (outputs stripped). Run after editing: python scripts/make_notebooks.py

The notebooks are committed; tests/test_notebooks_in_sync.py fails when they drift from this file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workshop_lib.chapters import all_chapters  # noqa: E402

IMPORT = "from workshop_lib import ui"


def header(number: str) -> list:
    ch = next(c for c in all_chapters() if c.number == number)
    objectives = "\n".join(f"- {o}" for o in ch.objectives)
    return [new_markdown_cell(f"# {ch.number} · {ch.title}\n\n**Time:** about {ch.minutes} minutes\n\n**You will:**\n{objectives}"), new_code_cell(IMPORT)]


def step_cells(key: str, text: str) -> list:
    return [new_markdown_cell(text), new_code_cell(f'ui.step("{key}")')]


NOTEBOOKS: dict[str, list] = {}

NOTEBOOKS["00_start_here"] = header("00") + [
    new_markdown_cell(
        "This workshop connects **Amazon Connect** to **AWS IAM Identity Center** (called *AWS SSO* until 2022), so agents sign in once "
        "through the Identity Center access portal and land in the Contact Control Panel (CCP). Each chapter explains a step, performs it "
        "for you where AWS has an API, and gives you the exact values to paste where only the console can do it. A status card on every "
        "step turns green when the step is really done.\n\n"
        "No AWS account? Keep the target on **Sandbox**: a simulated AWS runs on this machine, console steps and sign-in included. "
        "Before your real account, try **Rehearsal**: the same sandbox, but it behaves exactly as a real account, so the console steps, "
        "the metadata upload, pasting values back and signing in are yours."
    ),
    new_markdown_cell("First, make sure this notebook runs in the environment the workshop is installed in; a mismatch is the usual reason widgets do not show."),
    new_code_cell("ui.environment()"),
    new_markdown_cell(
        "Choose where the workshop works. Amazon Connect is offered in fewer Regions than most services, so the Region list only shows those. "
        "If you already have a SAML instance, pick it or paste its ID or ARN; otherwise chapter 01 creates one. "
        "**Agents land on** chooses where agents arrive after signing in (the Contact Control Panel or the agent workspace). "
        "A **name prefix** is only needed when several people share one AWS account: it goes in front of every name the workshop creates. "
        "Every change is saved at once; the other notebooks read the same settings."
    ),
    new_code_cell("ui.start()"),
    *step_cells("start.preflight", "The preflight reads who you are (account and caller) and whether the account is an Organization's management account, which Identity Center needs. It changes nothing."),
    new_markdown_cell(
        "The status board shows every step of the workshop, with the same badges as the cards: ⬜ *to do* until you get there, ✅ *done*, "
        "❌ *wrong* with the fix. Above it, the sign-in chain is drawn link by link: hover over or click a link to see its resource. Come back to it at any time."
    ),
    new_code_cell("ui.status_board()"),
]

NOTEBOOKS["01_connect_instance"] = header("01") + [
    new_markdown_cell(
        "An Amazon Connect instance is your contact centre: its users, queues, flows and phone numbers. How it identifies users is chosen "
        "at creation and **cannot be changed**: for sign-in through IAM Identity Center it must be **SAML 2.0-based authentication**.\n\n"
        "Creating an instance takes a minute or two; the card shows progress. Re-running the cell never creates a second instance: the "
        "workshop remembers the one it made (or the one you chose in 00). AWS limits how many instances an account may create in 30 days, "
        "so re-use instances rather than making new ones."
    ),
    *step_cells("connect.instance", "Create the instance (or confirm the one you chose):"),
    *step_cells("connect.instance.saml", "Check that it uses SAML. An instance made with Connect-managed users can never federate (failure mode F19)."),
    new_markdown_cell(
        "With SAML there are no passwords in Amazon Connect. The instance's access URL will **not** work for sign-in: users must start at "
        "the Identity Center access portal (opening the access URL directly gives 'Session expired')."
    ),
]

NOTEBOOKS["02_identity_center"] = header("02") + [
    new_markdown_cell(
        "IAM Identity Center keeps your workforce's users and groups and signs them in to applications. To host the Amazon Connect "
        "application it must be an **organization instance**, which lives in the management account of an AWS Organization with all features."
    ),
    *step_cells("org.organization", "Create the Organization, or confirm the one this account manages. The workshop never deletes an Organization."),
    *step_cells(
        "idc.instance",
        "Enabling Identity Center is console-only. Follow the card; in the sandbox the card does it in the simulated console. "
        "Do this **after** the Organization exists: enabling it before can leave an *account instance* behind, which cannot host the application (F14).",
    ),
]

NOTEBOOKS["03_agent_application"] = header("03") + [
    new_markdown_cell(
        "Agents sign in through an Identity Center **application**. The catalog already has *Amazon Connect*, preconfigured with AWS's sign-in "
        "endpoint (`https://signin.aws.amazon.com/saml`) and audience (`urn:amazon:webservices`). We add it once for agents and, in chapter 06, "
        "once more for administrators: each copy has its own certificate."
    ),
    *step_cells("agent.app", "Add the application with the display name shown on the card (the name matters: the next steps find the application by it)."),
    new_markdown_cell(
        "The application's **SAML metadata** is an XML file with its issuer and signing certificate. On a real account, download it from the "
        "application's page and upload it here; it is checked the way IAM will check it (no BOM, real metadata rather than a .pem, key size, expiry)."
    ),
    new_code_cell('ui.metadata_upload("agent")'),
    *step_cells("agent.app.metadata", "The stored metadata (in the sandbox, downloaded from the simulated console):"),
    new_markdown_cell(
        "After AWS signs the agent in, the browser follows the **relay state** to your instance. It is built from the instance's Region and ID, "
        "with the destination URL-encoded: `%2Fccp-v2` is the Contact Control Panel (`%2Fagent-app-v2` would be the agent workspace). "
        "Old guides use `%2Fconnect%2Fccp`, the legacy path; don't. Which destination agents get is the **Agents land on** choice in 00_start_here."
    ),
    *step_cells("agent.app.relay_state", "Set the relay state. On a real account no API can read it back, so the card asks you to check it by eye."),
]

NOTEBOOKS["04_iam_federation"] = header("04") + [
    new_markdown_cell(
        "AWS accepts Identity Center's signed SAML response only if IAM trusts the signer. Three IAM pieces make that trust, and one console "
        "setting points the application at them:\n\n"
        "1. an **identity provider** made from the application's metadata;\n"
        "2. a **policy** that allows `connect:GetFederationToken` for the signed-in user only (`…/user/${aws:userid}`, kept literally);\n"
        "3. a **role** whose trust policy lets that provider assume it with SAML;\n"
        "4. the application's **Role** attribute: `<role ARN>,<provider ARN>`."
    ),
    *step_cells("agent.iam.provider", "Create the IAM SAML provider from the uploaded metadata. Re-running after a certificate rotation updates it."),
    *step_cells("iam.policy", "Create the permission policy. Both roles (agents and admins) share it."),
    *step_cells("agent.iam.role", "Create the role and attach the policy. Its RoleId is remembered: if the role is ever re-created, users who signed in before get 'Bad Request' (F10)."),
    *step_cells(
        "agent.app.mappings",
        "Attribute mappings are console-only. The Role value has the role ARN first, then one comma, then the provider ARN, with no spaces. "
        "RoleSessionName must be `${user:email}`: Amazon Connect matches it to the username.",
    ),
]

NOTEBOOKS["05_agents"] = header("05") + [
    new_markdown_cell(
        "Each agent exists twice: as an **Amazon Connect user** (routing profile, security profile *Agent*) and as an **Identity Center user** "
        "who signs in. The link between the two is the email: it becomes the RoleSessionName, which must equal the Connect username "
        "character for character, case included. Plus-addressing (`me+agent@…`) can never match, because `+` is not allowed in a Connect username."
    ),
    *step_cells("agents.connect_users", "Create a Connect user for each agent: by default `agent1@connect-workshop.com` and `agent2@connect-workshop.com`, plus anyone you import below. The card lists who."),
    *step_cells("agents.idc_users", "Create the same people in Identity Center, with the same emails."),
    *step_cells("agents.group", "Put them in the agents' group (`ConnectAgents` unless you set a name prefix; the card shows the name in use)."),
    *step_cells("agents.assignment", "Assign the group to the agent application, so its tile appears in their portal."),
    *step_cells("agents.passwords", "Give each agent a one-time password (console only; the example domains cannot receive invitation emails)."),
    new_markdown_cell(
        "**A whole contact centre?** Upload a CSV of your agents (first name, last name, email, role). Every row is checked first "
        "(usernames, duplicates, plus-addressing) and problems are shown with their row numbers before anything is created. "
        "Import then creates the Identity Center users, Connect users and group memberships that are missing, several at a time, "
        "and importing the same file again creates nothing. Afterwards, run the password card above again for the new people. "
        "The same works from a terminal: `connect-sso-workshop agents import agents.csv`."
    ),
    new_code_cell("ui.agents_import()"),
]

NOTEBOOKS["06_admins"] = header("06") + [
    new_markdown_cell(
        "Administrators get their own application, with its own certificate, provider and role, and a relay state **without** a destination "
        "so they land on the Amazon Connect admin website. Never put one person in both groups: a Connect user can federate through one role only."
    ),
    *step_cells("admin.app", "Add a second Amazon Connect application for administrators."),
    new_code_cell('ui.metadata_upload("admin")'),
    *step_cells("admin.app.metadata", "Its metadata is a different file: the certificate and issuer belong to this application only."),
    *step_cells("admin.app.relay_state", "The admin relay state has no destination."),
    *step_cells("admin.iam.provider", "A second IAM provider, from the admin application's metadata."),
    *step_cells("admin.iam.role", "A second role, trusting the admin provider, with the same policy attached."),
    *step_cells("admin.app.mappings", "The Role attribute of the admin application pairs the admin role with the admin provider."),
    *step_cells("admins.connect_users", "The Connect user for the administrator, with the *Admin* security profile."),
    *step_cells("admins.idc_users", "The administrator in Identity Center, with the same email."),
    *step_cells("admins.group", "The administrators' group (`ConnectAdmins` unless you set a name prefix)."),
    *step_cells("admins.assignment", "Assign it to the admin application."),
    *step_cells("admins.passwords", "A one-time password for the administrator."),
    *step_cells(
        "admin.emergency_access",
        "With SAML there are no passwords in Amazon Connect: if the chain breaks, no administrator reaches the admin website (F21). "
        "The card says what emergency access is and where the console offers it.",
    ),
]

NOTEBOOKS["07_sign_in"] = header("07") + [
    new_markdown_cell(
        "Sign-in crosses four systems: the Identity Center portal signs a SAML response; AWS sign-in checks its signature against the IAM provider "
        "and assumes the role; the browser follows the relay state; Amazon Connect asks for a federation token and looks up the user named like "
        "the RoleSessionName. In the sandbox the whole path is simulated, with AWS's own error messages. On a real account, sign in in a private window."
    ),
    *step_cells("signin.agent", "Sign in as the first agent (the card names them) through the agent application:"),
    *step_cells("signin.admin", "Sign in as the administrator through the admin application:"),
    new_markdown_cell(
        "The **doctor** reads every link of the chain that an API can read and names what is broken (failure modes F1–F22), with the fix. "
        "It draws the chain for agents and for administrators: a red link is broken and carries its F-number; hover over or click a link to see its resource. "
        "What no API can read is listed as *verify by eye*, with the exact expected value."
    ),
    new_code_cell("ui.doctor()"),
    new_markdown_cell(
        "When a real sign-in fails, copy the `SAMLResponse` from your browser's developer tools (Network tab, the POST to `saml`) or save a HAR "
        "file, and paste it here. Add the application's metadata to verify the signature too. In the sandbox the inspector opens on "
        "the first agent's own signed response, so you can see what a good one looks like: the Role pair, the RoleSessionName, the audience."
    ),
    new_code_cell("ui.saml_inspector()"),
]

NOTEBOOKS["08_troubleshooting_labs"] = [
    new_markdown_cell(
        "# 08 · Troubleshooting labs\n\n**Time:** about 20 minutes (sandbox only)\n\n**You will:**\n"
        "- Break one link of a working chain at a time\n- Watch the sign-in fail with AWS's real message, and the doctor name the cause\n- Repair it and sign in again"
    ),
    new_code_cell(IMPORT),
    new_markdown_cell(
        "Each lab breaks exactly one thing that people get wrong in real set-ups, signs in, runs the doctor, then repairs it. "
        "The labs only run on the sandbox; on a real account this notebook shows the list and does nothing. "
        "Below the results, each lab's chain is drawn as the doctor saw it while the link was broken: the red link names the failure mode and the fix."
    ),
    new_code_cell("ui.labs()"),
]

NOTEBOOKS["99_cleanup"] = [
    new_markdown_cell(
        "# 99 · Clean up\n\n**Time:** about 5 minutes\n\n**You will:**\n- See exactly what the workshop created\n- Delete it, and nothing else\n\n"
        "The workshop recorded every resource it created in a ledger. Cleanup deletes only those, in dependency order, after you confirm. "
        "It never deletes the Organization or Identity Center (they may serve other work), nor anything you made yourself. "
        "Identity Center applications have no delete API: in the sandbox cleanup removes them through the simulated console; "
        "on a real account the list names them and says where to remove them in the console."
    ),
    new_code_cell(IMPORT),
    new_code_cell("ui.cleanup()"),
]


def build() -> dict[str, nbformat.NotebookNode]:
    out = {}
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(cells=cells)
        nb.metadata["kernelspec"] = {"display_name": "Python 3 (connect-sso-workshop)", "language": "python", "name": "python3"}
        nb.metadata["language_info"] = {"name": "python"}
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"{name[:2]}-{i:02d}"
        out[name] = nb
    return out


def main() -> None:
    folder = ROOT / "notebooks"
    folder.mkdir(exist_ok=True)
    for name, nb in build().items():
        nbformat.write(nb, folder / f"{name}.ipynb")
        print(f"wrote notebooks/{name}.ipynb")


if __name__ == "__main__":
    main()
