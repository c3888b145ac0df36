"""Ownership in a shared account: the workshop changes and deletes only what carries its owner tag.

The most dangerous case first: someone else's role, policy, SAML provider and group carrying the workshop's
exact default names. The workshop must stop at each with a sentence, change nothing of theirs, delete nothing
of theirs, and complete with a name prefix; a resource the learner chose to use as it is is only read.
"""

from __future__ import annotations

import json

import pytest

from workshop_lib.aws.ownership import TAG_KEY, NotOurs
from workshop_lib.chapters import chapter, find_step
from workshop_lib.chapters.model import State, Status
from workshop_lib.errors import WorkshopError

pytestmark = pytest.mark.sandbox

THEIRS = {"Key": TAG_KEY, "Value": "owner-someoneelse"}
EC2_TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
S3_READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}


def attempt(ctx, key: str) -> Status:
    """Do one step as its card's Run button does: a stop is a status with the sentence, never a traceback."""
    try:
        return find_step(key).perform(ctx)
    except WorkshopError as exc:
        return Status.error(exc)


def do_chapters(ctx, *numbers: str) -> dict[str, Status]:
    return {step.key: attempt(ctx, step.key) for n in numbers for step in chapter(n).steps}


def their_metadata(ctx) -> str:
    from workshop_lib.aws import console

    return console.download_metadata(ctx, console.add_application(ctx, "Their Connect")).decode()


def plant_exact_name_decoys(ctx, aws) -> None:
    """Someone else's provider, policy, role and group, with exactly the workshop's default names."""
    iam, ids = aws("iam"), aws("identitystore")
    provider = iam.create_saml_provider(Name="AmazonConnectAgentAccess", SAMLMetadataDocument=their_metadata(ctx), Tags=[THEIRS])["SAMLProviderArn"]
    policy = iam.create_policy(PolicyName="AmazonConnectSSOPolicy", PolicyDocument=json.dumps(S3_READ))["Policy"]["Arn"]  # no tag at all
    iam.create_role(RoleName="AmazonConnectAgentAccessRole", AssumeRolePolicyDocument=json.dumps(EC2_TRUST), Tags=[THEIRS])
    iam.attach_role_policy(RoleName="AmazonConnectAgentAccessRole", PolicyArn=policy)
    iam.put_role_policy(RoleName="AmazonConnectAgentAccessRole", PolicyName="theirs", PolicyDocument=json.dumps(S3_READ))
    store = aws("sso-admin").list_instances()["Instances"][0]["IdentityStoreId"]
    member = ids.create_user(IdentityStoreId=store, UserName="someone@example.com", DisplayName="Some One",
                             Name={"GivenName": "Some", "FamilyName": "One"})["UserId"]
    group = ids.create_group(IdentityStoreId=store, DisplayName="ConnectAgents")["GroupId"]
    ids.create_group_membership(IdentityStoreId=store, GroupId=group, MemberId={"UserId": member})
    assert provider


def snapshot(aws) -> dict:
    """Everything about the decoys that the workshop could change."""
    iam, ids = aws("iam"), aws("identitystore")
    out: dict = {}
    role = iam.get_role(RoleName="AmazonConnectAgentAccessRole")["Role"]
    out["role"] = (role["RoleId"], json.dumps(role["AssumeRolePolicyDocument"], sort_keys=True), role.get("MaxSessionDuration"),
                   sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]),
                   iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"], iam.list_role_tags(RoleName=role["RoleName"])["Tags"])
    arn = f"arn:aws:iam::{role['Arn'].split(':')[4]}:policy/AmazonConnectSSOPolicy"
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    out["policy"] = (policy["PolicyId"], policy["DefaultVersionId"], len(iam.list_policy_versions(PolicyArn=arn)["Versions"]))
    provider_arn = arn.replace(":policy/AmazonConnectSSOPolicy", ":saml-provider/AmazonConnectAgentAccess")
    out["provider"] = (iam.get_saml_provider(SAMLProviderArn=provider_arn)["SAMLMetadataDocument"],
                       iam.list_saml_provider_tags(SAMLProviderArn=provider_arn)["Tags"])
    store = aws("sso-admin").list_instances()["Instances"][0]["IdentityStoreId"]
    group = ids.get_group_id(IdentityStoreId=store, AlternateIdentifier={"UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": "ConnectAgents"}})["GroupId"]
    out["group"] = (group, sorted(m["MemberId"]["UserId"] for m in ids.list_group_memberships(IdentityStoreId=store, GroupId=group)["GroupMemberships"]))
    return out


def test_someone_elses_resources_with_the_workshops_exact_names_are_never_changed_or_deleted(ready_learner, aws):
    from workshop_lib.aws.cleanup import plan_cleanup, run_cleanup

    ctx = ready_learner
    plant_exact_name_decoys(ctx, aws)
    before = snapshot(aws)
    statuses = do_chapters(ctx, "03", "04", "05")
    stopped = {k: s for k, s in statuses.items() if s.details.get("adopt")}
    assert set(stopped) == {"agent.iam.provider", "iam.policy", "agent.iam.role", "agents.group"}
    assert stopped["agent.iam.provider"].details["adopt"] == "iam.saml_provider:AmazonConnectAgentAccess"
    assert ("The IAM role 'AmazonConnectAgentAccessRole' already exists in this account and is not the workshop's "
            "(it belongs to another workshop attendee (owner owner-someoneelse") in stopped["agent.iam.role"].summary
    assert "The IAM policy 'AmazonConnectSSOPolicy' already exists in this account and is not the workshop's (it has no connect-sso-workshop tag)" in stopped["iam.policy"].summary
    assert "Identity Center groups carry no tags" in stopped["agents.group"].summary
    for status in stopped.values():
        assert "choose a name prefix in 00_start_here" in status.summary and "Use it as it is" in status.summary
        assert "Traceback" not in status.summary
    assert snapshot(aws) == before  # not one change: no new trust, policy version, metadata or member

    # "Use it as it is": read and checked, never changed; each card names the exact change for the learner.
    from workshop_lib.aws.ownership import adopt

    for key in ("iam.saml_provider:AmazonConnectAgentAccess", "iam.policy:AmazonConnectSSOPolicy", "identitystore.group:ConnectAgents"):
        adopt(ctx, key)
    again = do_chapters(ctx, "04", "05")
    provider, policy, group = again["agent.iam.provider"].summary, again["iam.policy"].summary, again["agents.group"].summary
    assert "You chose to use the IAM SAML identity provider 'AmazonConnectAgentAccess' as it is" in provider and "Replace metadata" in provider
    assert "You chose to use the IAM policy 'AmazonConnectSSOPolicy' as it is" in policy and '"connect:GetFederationToken"' in policy
    assert "agent1@connect-workshop.com is not a member" in group and "Groups → ConnectAgents → Add users" in group
    assert snapshot(aws) == before
    assert {(e.kind, e.name) for e in ctx.settings.ledger if e.origin == "adopted"} >= {
        ("iam.saml_provider", "AmazonConnectAgentAccess"), ("iam.policy", "AmazonConnectSSOPolicy"), ("identitystore.group", "ConnectAgents")}

    plan = plan_cleanup(ctx)
    assert not [e for e in plan.delete if e.name in ("AmazonConnectAgentAccessRole", "AmazonConnectSSOPolicy", "AmazonConnectAgentAccess", "ConnectAgents")]
    assert run_cleanup(ctx, plan).failed == []
    assert snapshot(aws) == before

    # With a name prefix the same account completes the workshop, and cleanup removes what it made, only that.
    with ctx.update() as s:
        s.name_prefix = "jd-"
    states = {k: s.state for k, s in do_chapters(ctx, "00", "01", "02", "03", "04", "05", "06").items()}
    assert {k: v for k, v in states.items() if v is not State.DONE} == {}
    assert find_step("signin.agent").check(ctx).state is State.DONE
    result = run_cleanup(ctx, plan_cleanup(ctx))
    assert result.failed == []
    assert snapshot(aws) == before
    iam = aws("iam")
    assert [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("jd-")] == []
    assert [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]] == ["AmazonConnectSSOPolicy"]


def test_a_role_used_as_it_is_is_only_read_and_the_card_names_each_change_including_f22(ready_learner, aws):
    """Adopted: never modified; the card names the missing attachment, then F22 with AWS's message."""
    from workshop_lib.aws.cleanup import plan_cleanup, run_cleanup
    from workshop_lib.aws.resources import provider_arn
    from workshop_lib.doctor import run_doctor
    from workshop_lib.rules.iam_documents import saml_trust_policy
    from workshop_lib.ui.step_card import StepCard

    ctx = ready_learner
    assert all(s.state is State.DONE for s in do_chapters(ctx, "03").values())
    for key in ("agent.iam.provider", "iam.policy"):
        assert attempt(ctx, key).state is State.DONE
    iam = aws("iam")
    trust = saml_trust_policy(provider_arn(ctx, "AmazonConnectAgentAccess"), ctx.settings.region)
    theirs = iam.create_role(RoleName="AmazonConnectAgentAccessRole", AssumeRolePolicyDocument=json.dumps(trust), Tags=[THEIRS])["Role"]
    assert theirs["MaxSessionDuration"] == 3600

    card = StepCard(find_step("agent.iam.role"), ctx)
    status = card.perform()
    assert status.state is State.ERROR and card.adopt_button.layout.display == ""
    status = card.adopt()  # "Use it as it is"
    assert ctx.settings.adopt == ["iam.role:AmazonConnectAgentAccessRole"]
    assert "You chose to use the IAM role 'AmazonConnectAgentAccessRole' as it is" in status.summary
    assert "AmazonConnectSSOPolicy is not attached" in status.summary and "Attach policies" in status.summary
    assert iam.list_attached_role_policies(RoleName="AmazonConnectAgentAccessRole")["AttachedPolicies"] == []  # the workshop did not do it

    iam.attach_role_policy(RoleName="AmazonConnectAgentAccessRole", PolicyArn=f"arn:aws:iam::{theirs['Arn'].split(':')[4]}:policy/AmazonConnectSSOPolicy")
    status = card.perform()  # the learner made that change: the next one is the session length
    assert "F22" in status.summary and "The requested DurationSeconds exceeds the MaxSessionDuration set for this role" in status.summary
    assert "Maximum session duration → 12 hours" in status.summary
    # The sandbox refuses that sign-in as AWS does.
    states = {k: s.state for k, s in do_chapters(ctx, "05").items()}
    assert set(states.values()) == {State.DONE}, states
    assert attempt(ctx, "agent.app.mappings").state is State.WRONG  # set in the simulated console; F22 is the role's
    signin = find_step("signin.agent").check(ctx)
    assert signin.state is State.WRONG and [f.code for f in signin.findings] == ["F22"], [(f.code, f.message) for f in signin.findings]
    assert iam.get_role(RoleName="AmazonConnectAgentAccessRole")["Role"]["MaxSessionDuration"] == 3600  # still not changed by us
    check = find_step("agent.iam.role").check(ctx)
    assert [f.code for f in check.findings] == ["F22"]

    mappings = attempt(ctx, "agent.app.mappings")
    assert mappings.state is State.WRONG and [f.code for f in mappings.findings] == ["F22"]
    assert "The requested DurationSeconds exceeds the MaxSessionDuration set for this role" in mappings.findings[0].message
    doctor = run_doctor(ctx.settings)
    f22 = [f for f in doctor.findings if f.code == "F22"]
    assert len(f22) == 1 and "AmazonConnectAgentAccessRole" in f22[0].message and f22[0].expected == "43200"

    plan = plan_cleanup(ctx)
    assert ("iam.role", "AmazonConnectAgentAccessRole") in {(e.kind, e.name) for e, _why in plan.keep}
    assert run_cleanup(ctx, plan).failed == []
    assert iam.get_role(RoleName="AmazonConnectAgentAccessRole")["Role"]["RoleId"] == theirs["RoleId"]


def test_roles_the_workshop_creates_allow_the_mappings_session_duration(ready_learner, aws):
    do_chapters(ready_learner, "03", "04")
    role = aws("iam").get_role(RoleName="AmazonConnectAgentAccessRole")["Role"]
    assert role["MaxSessionDuration"] == 43200
    assert {"Key": TAG_KEY, "Value": ready_learner.settings.owner_id} in aws("iam").list_role_tags(RoleName=role["RoleName"])["Tags"]


def test_a_replaced_role_policy_and_provider_are_kept_and_reported_in_one_sentence_each(ready_learner, aws):
    from workshop_lib.aws.cleanup import plan_cleanup, run_cleanup

    ctx = ready_learner
    assert {k: s.state for k, s in do_chapters(ctx, "03", "04", "05", "06").items() if s.state is not State.DONE} == {}
    iam = aws("iam")
    account = ctx.settings.account_id
    policy_arn = f"arn:aws:iam::{account}:policy/AmazonConnectSSOPolicy"
    # Someone deletes ours and makes their own under the same names (new IDs, their tag).
    for role in ("AmazonConnectAgentAccessRole", "AmazonConnectAdminAccessRole"):
        iam.detach_role_policy(RoleName=role, PolicyArn=policy_arn)
    iam.delete_role(RoleName="AmazonConnectAgentAccessRole")
    replaced_role = iam.create_role(RoleName="AmazonConnectAgentAccessRole", AssumeRolePolicyDocument=json.dumps(EC2_TRUST), Tags=[THEIRS])["Role"]["RoleId"]
    iam.delete_policy(PolicyArn=policy_arn)
    replaced_policy = iam.create_policy(PolicyName="AmazonConnectSSOPolicy", PolicyDocument=json.dumps(S3_READ), Tags=[THEIRS])["Policy"]["PolicyId"]
    provider_arn = f"arn:aws:iam::{account}:saml-provider/AmazonConnectAgentAccess"
    iam.delete_saml_provider(SAMLProviderArn=provider_arn)
    iam.create_saml_provider(Name="AmazonConnectAgentAccess", SAMLMetadataDocument=their_metadata(ctx), Tags=[THEIRS])

    result = run_cleanup(ctx, plan_cleanup(ctx))
    assert result.failed == []
    replaced = sorted(k for k in result.kept if "replaced since the workshop made it" in k)
    assert len(replaced) == 3, result.kept
    assert replaced[0].startswith("IAM SAML identity provider AmazonConnectAgentAccess: kept: replaced")
    assert replaced[1].startswith("IAM policy AmazonConnectSSOPolicy: kept: replaced") and replaced_policy in replaced[1]
    assert replaced[2].startswith("IAM role AmazonConnectAgentAccessRole: kept: replaced") and replaced_role in replaced[2]
    assert iam.get_role(RoleName="AmazonConnectAgentAccessRole")["Role"]["RoleId"] == replaced_role
    assert iam.get_policy(PolicyArn=policy_arn)["Policy"]["PolicyId"] == replaced_policy
    assert iam.list_saml_provider_tags(SAMLProviderArn=provider_arn)["Tags"] == [THEIRS]
    # ... and what was still the workshop's is gone.
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName="AmazonConnectAdminAccessRole")
    assert [p["Arn"].rsplit("/", 1)[-1] for p in iam.list_saml_providers()["SAMLProviderList"]] == ["AmazonConnectAgentAccess"]


def test_two_attendees_without_a_prefix_never_touch_each_others_resources(sandbox, tmp_path, aws):
    import fault_cases as fc
    from workshop_lib.aws.cleanup import plan_cleanup, run_cleanup

    with fc.learner(tmp_path / "a", sandbox.endpoint) as a:
        assert fc.not_done(fc.perform_all(a)) == {}
        owner_a = a.settings.owner_id
    before = fc.inventory(sandbox.endpoint)
    role_id = aws("iam").get_role(RoleName="AmazonConnectAgentAccessRole")["Role"]["RoleId"]
    with fc.learner(tmp_path / "b", sandbox.endpoint) as b:
        assert b.settings.owner_id != owner_a
        statuses = do_chapters(b, "00", "01", "02", "03", "04")
        assert f"belongs to another workshop attendee (owner {owner_a}" in statuses["agent.iam.provider"].summary
        assert statuses["agent.iam.provider"].details["adopt"] == "iam.saml_provider:AmazonConnectAgentAccess"
        result = run_cleanup(b, plan_cleanup(b))
        assert result.failed == []
    after = fc.inventory(sandbox.endpoint)
    assert {k: v for k, v in after.items() if k != "connect.instance"} == {k: v for k, v in before.items() if k != "connect.instance"}
    assert set(before["connect.instance"]) <= set(after["connect.instance"])  # A's instance is untouched (B made and removed its own)
    assert aws("iam").get_role(RoleName="AmazonConnectAgentAccessRole")["Role"]["RoleId"] == role_id
    with fc.learner(tmp_path / "a", sandbox.endpoint) as a:
        assert find_step("signin.agent").check(a).state is State.DONE


def test_adopt_refuses_a_key_that_names_no_resource(learner):
    from workshop_lib.aws.ownership import adopt

    with pytest.raises(WorkshopError, match="does not name a resource as KIND:NAME"):
        adopt(learner, "AmazonConnectAgentAccessRole")
    assert learner.settings.adopt == []


def test_not_ours_names_the_resource_and_both_ways_on():
    err = NotOurs("iam.policy", "AmazonConnectSSOPolicy")
    assert str(err).startswith("The IAM policy 'AmazonConnectSSOPolicy' already exists in this account and is not the workshop's")
    assert "--adopt iam.policy:AmazonConnectSSOPolicy" in str(err)


def test_an_employee_from_a_csv_and_people_others_refer_to_are_kept_by_cleanup(ready_learner, aws):
    """Found users are never deleted; created ones are deleted only when nothing the workshop did not make refers to them."""
    from workshop_lib.agents import Agent
    from workshop_lib.aws import console
    from workshop_lib.aws.bulk import onboard
    from workshop_lib.aws.cleanup import plan_cleanup, run_cleanup

    ctx = ready_learner
    sso, ids = aws("sso-admin"), aws("identitystore")
    instance = sso.list_instances()["Instances"][0]
    store, instance_arn = instance["IdentityStoreId"], instance["InstanceArn"]
    their_app = console.add_application(ctx, "Their HR portal")
    employee = ids.create_user(IdentityStoreId=store, UserName="employee@example.com", DisplayName="Em Ployee",
                               Name={"GivenName": "Em", "FamilyName": "Ployee"})["UserId"]
    permission_set = sso.create_permission_set(InstanceArn=instance_arn, Name="ReadOnly")["PermissionSet"]["PermissionSetArn"]

    def account_assignment(user_id: str) -> None:
        sso.create_account_assignment(InstanceArn=instance_arn, TargetId="123456789012", TargetType="AWS_ACCOUNT",
                                      PermissionSetArn=permission_set, PrincipalType="USER", PrincipalId=user_id)

    account_assignment(employee)
    sso.create_application_assignment(ApplicationArn=their_app, PrincipalId=employee, PrincipalType="USER")

    people = [Agent(2, "employee@example.com", "Em", "Ployee"), Agent(3, "new1@example.com", "New", "One"),
              Agent(4, "new2@example.com", "New", "Two"), Agent(5, "new3@example.com", "New", "Three")]
    result = onboard(ctx, people, parts=("idc", "membership"))
    assert result.ok and result.created["idc"] == 3
    origins = {e.name: e.origin for e in ctx.settings.of_kind("identitystore.user")}
    assert origins == {"employee@example.com": "found", "new1@example.com": "created", "new2@example.com": "created", "new3@example.com": "created"}
    user = {p.email: ids.get_user_id(IdentityStoreId=store, AlternateIdentifier={"UniqueAttribute": {"AttributePath": "userName", "AttributeValue": p.email}})["UserId"]
            for p in people}
    account_assignment(user["new1@example.com"])  # someone else gives new1 an account assignment
    sso.create_application_assignment(ApplicationArn=their_app, PrincipalId=user["new2@example.com"], PrincipalType="USER")

    plan = plan_cleanup(ctx)
    assert [why for e, why in plan.keep if e.name == "employee@example.com"] == [
        "it was there before the workshop (the workshop used it, but did not make it)"]
    done = run_cleanup(ctx, plan)
    assert done.failed == []
    assert "Identity Center user new1@example.com: kept: the user has 1 AWS account assignment(s) the workshop did not make" in done.kept
    assert "Identity Center user new2@example.com: kept: the user is assigned to 1 application(s) that are not the workshop's" in done.kept
    assert "Identity Center user new3@example.com" in done.deleted
    left = {u["UserName"] for u in ids.list_users(IdentityStoreId=store)["Users"]}
    assert {"employee@example.com", "new1@example.com", "new2@example.com"} <= left and "new3@example.com" not in left
    assert [a["PrincipalId"] for a in sso.list_application_assignments(ApplicationArn=their_app)["ApplicationAssignments"]] == [employee, user["new2@example.com"]]
    assert len(sso.list_account_assignments_for_principal(InstanceArn=instance_arn, PrincipalId=employee, PrincipalType="USER")["AccountAssignments"]) == 1
    assert ids.list_groups(IdentityStoreId=store)["Groups"] == []  # the workshop's group, which it made, is gone with its memberships


def _theirs_appears_before(ctx, aws, operation: str, make_theirs) -> None:
    """Someone else makes the resource, with the workshop's exact name, after the workshop looked and just before
    its create call reaches IAM (the learner's own client carries the hook)."""
    made = []

    def plant(**_kwargs):
        if not made:
            made.append(make_theirs(aws("iam")))

    ctx.client("iam").meta.events.register(f"before-call.iam.{operation}", plant)


@pytest.mark.parametrize("kind", ["provider", "policy", "role"])
def test_someone_elses_resource_made_between_our_look_and_our_create_is_refused_and_left_alone(ready_learner, aws, kind):
    from workshop_lib.aws import iam_resources as r
    from workshop_lib.rules.iam_documents import federation_policy, saml_trust_policy

    ctx, metadata = ready_learner, their_metadata(ready_learner)
    iam = aws("iam")
    account = ctx.settings.account_id
    if kind == "role":  # the trust names our provider, which must exist for IAM to accept the role
        r.ensure_saml_provider(ctx, "AmazonConnectAgentAccess", metadata)
    name, operation, make, ensure, read = {
        "provider": ("AmazonConnectAgentAccess", "CreateSAMLProvider",
                     lambda c: c.create_saml_provider(Name="AmazonConnectAgentAccess", SAMLMetadataDocument=metadata, Tags=[THEIRS]),
                     lambda: r.ensure_saml_provider(ctx, "AmazonConnectAgentAccess", metadata),
                     lambda: iam.list_saml_provider_tags(SAMLProviderArn=f"arn:aws:iam::{account}:saml-provider/AmazonConnectAgentAccess")["Tags"]),
        "policy": ("AmazonConnectSSOPolicy", "CreatePolicy",
                   lambda c: c.create_policy(PolicyName="AmazonConnectSSOPolicy", PolicyDocument=json.dumps(S3_READ), Tags=[THEIRS]),
                   lambda: r.ensure_policy(ctx, "AmazonConnectSSOPolicy", federation_policy(ctx.settings.instance_arn)),
                   lambda: iam.list_policy_versions(PolicyArn=f"arn:aws:iam::{account}:policy/AmazonConnectSSOPolicy")["Versions"]),
        "role": ("AmazonConnectAgentAccessRole", "CreateRole",
                 lambda c: c.create_role(RoleName="AmazonConnectAgentAccessRole", AssumeRolePolicyDocument=json.dumps(EC2_TRUST), Tags=[THEIRS]),
                 lambda: r.ensure_role(ctx, "AmazonConnectAgentAccessRole",
                                       saml_trust_policy(f"arn:aws:iam::{account}:saml-provider/AmazonConnectAgentAccess", ctx.settings.region),
                                       f"arn:aws:iam::{account}:policy/AmazonConnectSSOPolicy"),
                 lambda: iam.get_role(RoleName="AmazonConnectAgentAccessRole")["Role"]["AssumeRolePolicyDocument"]),
    }[kind]
    _theirs_appears_before(ctx, aws, operation, make)
    with pytest.raises(NotOurs) as refused:
        ensure()
    assert name in str(refused.value)
    after = read()
    if kind == "provider":
        assert after == [THEIRS]
    elif kind == "policy":
        assert len(after) == 1  # no version of ours was added to their policy
    else:
        assert after == EC2_TRUST  # their trust policy is as they wrote it
    assert ctx.settings.find(f"iam.{'saml_provider' if kind == 'provider' else kind}", name) is None  # not in our ledger
