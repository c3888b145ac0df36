"""Checks of the people: IdC emails as RoleSessionName (F3), exact Connect usernames (F8, F20), an admin (F21)."""

from __future__ import annotations

from workshop_lib.aws.snapshot import Facts
from workshop_lib.doctor._common import (
    ERROR,
    WARNING,
    can_read,
    capped,
    connect_link,
    idc_link,
    make_finding,
)
from workshop_lib.findings import Finding


def usernames_match(facts: Facts) -> list[Finding]:
    """F3 email unusable as RoleSessionName; F8 no Connect user with exactly that username; F20 bad Connect usernames."""
    from workshop_lib.rules.usernames import is_role_session_name, match_username, username_problems

    if (
        not facts.instance.found
        or not can_read(facts, "connect:ListUsers")
        or not can_read(facts, "identitystore:ListUsers")
    ):
        return []
    lower = {}
    for name in facts.connect_users:
        lower.setdefault(name.casefold(), name)
    findings: list[Finding] = []
    seen: set[str] = set()
    for side, chain in facts.chains.items():
        for user in facts.users_in(side):
            if user.id in seen:
                continue
            seen.add(user.id)
            email = user.email
            link = connect_link(facts)
            if not email:
                findings.append(
                    make_finding(
                        "F3",
                        ERROR,
                        f"The IAM Identity Center user {user.user_name} has no email, so "
                        "RoleSessionName (${user:email}) is empty and STS rejects the sign-in.",
                        fix="Give the user an email equal to their Amazon Connect username.",
                        link=idc_link(facts, "users"),
                        user=user.user_name,
                        side=side,
                    )
                )
                continue
            problems = username_problems(email)
            if not is_role_session_name(email):
                findings.append(
                    make_finding(
                        "F3",
                        ERROR,
                        f"The email {email!r} of {user.user_name} is not a valid RoleSessionName, "
                        "so STS rejects the sign-in: " + " ".join(problems),
                        fix="Change the user's email (and the Connect username) to letters, digits and _ . @ - only.",
                        link=idc_link(facts, "users"),
                        user=email,
                        side=side,
                    )
                )
                continue
            if problems:
                findings.append(
                    make_finding(
                        "F8",
                        ERROR,
                        f"The email {email} can never equal an Amazon Connect username: " + " ".join(problems),
                        fix="Use an email without '+', '=' or ',' for this user in IAM Identity Center, and "
                        "create the Connect user with exactly that username.",
                        link=idc_link(facts, "users"),
                        user=email,
                        side=side,
                    )
                )
                continue
            if email in facts.connect_users:
                continue
            near = lower.get(email.casefold())
            if near and match_username(email, near) == "case-only":
                findings.append(
                    make_finding(
                        "F8",
                        ERROR,
                        f"The Amazon Connect user is {near}, but the IAM Identity Center email is {email}; Connect "
                        'compares usernames case-sensitively, so the sign-in ends in "not onboarded".',
                        fix=f"Make both identical: change the IdC email to {near}, or re-create the Connect "
                        f"user as {email}.",
                        link=link,
                        expected=email,
                        user=email,
                        side=side,
                    )
                )
            else:
                findings.append(
                    make_finding(
                        "F8",
                        ERROR,
                        f"No Amazon Connect user is named {email}, so {user.user_name} signs in to AWS but "
                        'Connect answers "not onboarded to this application".',
                        fix=f"Create the Connect user {email} with the {chain.security_profile} security profile "
                        "(chapter 05/06).",
                        link=link,
                        expected=email,
                        user=email,
                        side=side,
                    )
                )
    for name in facts.connect_users:
        problems = username_problems(name)
        if problems:
            findings.append(
                make_finding(
                    "F20",
                    WARNING,
                    f"The Amazon Connect username {name!r} can never be a RoleSessionName: " + " ".join(problems),
                    fix="Re-create the user with the IdC email as username.",
                    link=connect_link(facts),
                    user=name,
                )
            )
    return capped(findings, "users")


def admin_can_sign_in(facts: Facts) -> list[Finding]:
    """F21: some Connect user with the Admin security profile has a username equal to an IdC admin's email."""
    chain = facts.chains.get("admin")
    if chain is None or not facts.instance.found or not can_read(facts, "connect:", "identitystore:"):
        return []
    if not facts.security_profiles:
        return []
    profile = facts.security_profiles.get(chain.security_profile)
    if not profile:
        return [
            make_finding(
                "F21",
                WARNING,
                f"The instance has no '{chain.security_profile}' security profile, so no administrator "
                "can be identified.",
                fix="Check the instance's security profiles in the Amazon Connect console.",
                link=connect_link(facts),
            )
        ]
    emails = {u.email for u in facts.users_in("admin") if u.email}
    for user in facts.connect_users.values():
        if user.security_profile_ids and profile in user.security_profile_ids and user.username in emails:
            return []
    admins = [u.email for u in facts.users_in("admin") if u.email]
    expected = admins[0] if admins else ""
    return [
        make_finding(
            "F21",
            ERROR,
            f"No Amazon Connect user with the {chain.security_profile} security profile matches an IAM Identity Center "
            f"user in '{chain.group}', so no administrator can reach the Connect admin site through '{chain.app}'.",
            fix=(
                "Create a Connect user with the Admin security profile named exactly as the admin's IdC email "
                f"({expected}), chapter 06; until then use 'Log in for emergency access' in the Connect console."
                if expected
                else f"Add an administrator to '{chain.group}' and create a Connect Admin user named as their IdC email "
                "(chapter 06); until then use 'Log in for emergency access' in the Connect console."
            ),
            link=connect_link(facts),
            expected=expected,
        )
    ]
