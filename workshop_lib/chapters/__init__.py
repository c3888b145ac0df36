"""The workshop's chapters and steps: one source of truth for the notebooks, the CLI and the status board."""

from __future__ import annotations

from functools import lru_cache

from workshop_lib.chapters.model import Chapter, CopyValue, Guide, State, Status, Step


@lru_cache(maxsize=1)
def all_chapters() -> tuple[Chapter, ...]:
    from workshop_lib.chapters import foundation, signin
    from workshop_lib.chapters.federation import application_steps, iam_steps
    from workshop_lib.rules.chain import ADMIN, AGENT
    from workshop_lib.chapters.people import people_steps

    return (
        Chapter("00", "start_here", "Start here", [
            "Choose where the workshop runs: the sandbox, a rehearsal of a real account, or your AWS account",
            "Choose the Regions for Amazon Connect and IAM Identity Center",
            "Check the credentials and what the account can host",
        ], 5, foundation.start_steps()),
        Chapter("01", "connect_instance", "Create an Amazon Connect instance", [
            "Create an instance that uses SAML 2.0-based authentication",
            "Know why the identity management choice is permanent",
        ], 10, foundation.instance_steps()),
        Chapter("02", "identity_center", "AWS Organizations and IAM Identity Center", [
            "Create an Organization with all features",
            "Enable IAM Identity Center as an organization instance",
        ], 10, foundation.identity_center_steps()),
        Chapter("03", "agent_application", "The Amazon Connect application for agents", [
            "Add the catalog application 'Amazon Connect' for agents",
            "Download its SAML metadata and check it as IAM will",
            "Build and set the relay state that sends agents to the CCP",
        ], 15, application_steps(AGENT)),
        Chapter("04", "iam_federation", "IAM federation for agents", [
            "Create the IAM SAML provider from the application's metadata",
            "Create the permission policy and the federation role",
            "Map the Role attribute that ties the application to the role",
        ], 15, iam_steps(AGENT, with_policy=True)),
        Chapter("05", "agents", "Agents, their group and the assignment", [
            "Create matching users in Amazon Connect and IAM Identity Center",
            "Group the agents and assign the group to the application",
        ], 15, people_steps(AGENT)),
        Chapter("06", "admins", "Administrators", [
            "Repeat the chain for a second application with its own certificate",
            "Create the admin user and sign-in path to the Connect admin website",
            "Know the emergency access that opens the admin website when sign-in is broken",
        ], 20, application_steps(ADMIN) + iam_steps(ADMIN, with_policy=False) + people_steps(ADMIN) + [signin.emergency_step()]),
        Chapter("07", "sign_in", "Sign in and check the chain", [
            "Sign in as an agent and as the administrator",
            "Read the doctor's report on every link of the chain",
        ], 10, signin.signin_steps()),
    )


def chapter(number: str) -> Chapter:
    number = str(number).zfill(2)
    for ch in all_chapters():
        if ch.number == number:
            return ch
    raise KeyError(f"There is no chapter {number}.")


def find_step(key: str) -> Step:
    for ch in all_chapters():
        for s in ch.steps:
            if s.key == key:
                return s
    raise KeyError(f"There is no step called {key!r}.")


def all_steps() -> list[tuple[Chapter, Step]]:
    return [(ch, s) for ch in all_chapters() for s in ch.steps]


__all__ = ["Chapter", "CopyValue", "Guide", "State", "Status", "Step", "all_chapters", "all_steps", "chapter", "find_step"]
