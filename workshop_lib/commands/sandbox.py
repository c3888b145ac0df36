"""``connect-sso-workshop sandbox``: start, stop, status, reset, the simulated console, and sign-in."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from workshop_lib.errors import InputError, SandboxError


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("sandbox", help="the simulated AWS on 127.0.0.1 (start, stop, console, sign-in)",
                                   description="The embedded sandbox: a simulated AWS on 127.0.0.1.")
    sub = parser.add_subparsers(dest="sandbox_command", metavar="ACTION", parser_class=type(parser))
    parser.set_defaults(func=lambda args: _usage(parser))

    start = sub.add_parser("start", help="start in the background (or show the running one)")
    start.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    start.set_defaults(func=_start)
    sub.add_parser("stop", help="stop it; its state stays on disk").set_defaults(func=_stop)
    sub.add_parser("status", help="is it running, where, and its persistence figures").set_defaults(func=_status)
    env = sub.add_parser("env", help="shell exports that point the AWS CLI or your own boto3 at the sandbox",
                         description="Print `export` lines for the running sandbox: eval \"$(connect-sso-workshop "
                                     "sandbox env)\" and then `aws sts get-caller-identity` talks to it.")
    env.add_argument("--region", default="", help="AWS_REGION to export (default: the settings' Region)")
    env.set_defaults(func=_env)
    reset = sub.add_parser("reset", help="delete every resource (keeps running)")
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    reset.set_defaults(func=_reset)

    console = sub.add_parser("console", help="the console-only steps, simulated")
    steps = console.add_subparsers(dest="console_command", metavar="STEP", parser_class=type(parser))
    console.set_defaults(func=lambda args: _usage(console))
    enable = steps.add_parser("enable-identity-center", help="enable the organization instance of IAM Identity Center")
    enable.add_argument("--region", required=True)
    enable.add_argument("--create-organization", action="store_true",
                        help="create an all-features organization first, as the console offers")
    enable.set_defaults(func=_enable)
    add = steps.add_parser("add-application", help="add the Amazon Connect catalog application")
    add.add_argument("display_name")
    add.add_argument("--provider", default="Amazon Connect")
    add.set_defaults(func=_add)
    metadata = steps.add_parser("download-metadata", help="the application's IdP metadata XML")
    metadata.add_argument("application")
    metadata.add_argument("--out", type=Path, help="write to this file instead of standard output")
    metadata.set_defaults(func=_metadata)
    relay = steps.add_parser("set-relay-state", help="set the application's relay state")
    relay.add_argument("application")
    relay.add_argument("url")
    relay.set_defaults(func=_relay)
    mappings = steps.add_parser("set-attribute-mappings", help="set mappings: Role=..., RoleSessionName='${user:email}'")
    mappings.add_argument("application")
    mappings.add_argument("mappings", nargs="+", metavar="NAME=VALUE[;FORMAT]", help="an empty VALUE deletes the row")
    mappings.add_argument("--replace", action="store_true", help="replace all rows instead of editing them")
    mappings.set_defaults(func=_mappings)
    saml = steps.add_parser("set-saml", help="edit ACS URL, audience or session duration")
    saml.add_argument("application")
    saml.add_argument("--acs-url")
    saml.add_argument("--audience")
    saml.add_argument("--session-duration", type=int)
    saml.set_defaults(func=_saml)
    status = steps.add_parser("set-status", help="enable or disable the application")
    status.add_argument("application")
    status.add_argument("state", choices=("enabled", "disabled"))
    status.set_defaults(func=_app_status)
    rotate = steps.add_parser("rotate-certificate", help="give the application a new signing certificate")
    rotate.add_argument("application")
    rotate.set_defaults(func=_rotate)
    settings = steps.add_parser("settings", help="show the application's console settings")
    settings.add_argument("application")
    settings.set_defaults(func=_settings)
    password = steps.add_parser("set-password", help="set an Identity Center user's password")
    password.add_argument("--user", required=True, help="user name (or email)")
    password.add_argument("--password", required=True)
    password.add_argument("--identity-store-id", default="")
    password.set_defaults(func=_password)

    sign_in = sub.add_parser("sign-in", help="sign in as a user through an application, into Amazon Connect")
    sign_in.add_argument("--user", required=True, help="the Identity Center user name or email")
    sign_in.add_argument("--application", required=True, help="the application's display name or ARN")
    sign_in.add_argument("--password", help="check this password at the portal")
    sign_in.add_argument("--relay-state", help="use this relay state instead of the application's")
    sign_in.add_argument("--saml-out", type=Path, help="save the signed SAML response (XML) here")
    sign_in.set_defaults(func=_sign_in)

    from workshop_lib.commands.seed import add_seed_parser  # `sandbox seed busy-account`

    add_seed_parser(sub, type(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _endpoint() -> str:
    from workshop_lib.sandbox.client import control

    found = control.endpoint()
    if not found:
        raise SandboxError("The sandbox is not running.", fix="Start it with `connect-sso-workshop sandbox start`.")
    return found


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


# ---- life cycle ---------------------------------------------------------------------------------


def _start(args: argparse.Namespace) -> int:
    from workshop_lib.sandbox.client import control

    if not 0 <= args.port <= 65535:
        raise InputError(f"--port {args.port} is not a port number.", fix="Use 0 (any free port) or 1024–65535.")
    before = control.status()
    info = before or control.start(port=args.port)
    print(f"Sandbox {'already running' if before else 'started'} at {info.endpoint} (pid {info.pid}).")
    print(f"State: {info.state_dir}   Log: {info.log_path}")
    return 0


def _env(args: argparse.Namespace) -> int:
    import shlex

    from workshop_lib.sandbox.client import control

    found = control.connection()
    if found is None:
        raise SandboxError("The sandbox is not running, so there is nothing to point the AWS CLI at.",
                           fix="Start it with `connect-sso-workshop sandbox start`, then run this again.")
    region = args.region
    if not region:
        from workshop_lib import settings as settings_mod

        try:
            region = settings_mod.load().region or "us-east-1"
        except Exception:  # unreadable settings must not stop the exports
            region = "us-east-1"
    values = {**found.env(), "AWS_REGION": region, "AWS_DEFAULT_REGION": region}
    # These are the sandbox's own local credentials (0600 in its folder), never a real account's.
    for name, value in values.items():
        print(f"export {name}={shlex.quote(value)}")
    print("unset AWS_SESSION_TOKEN AWS_PROFILE")
    return 0


def _stop(args: argparse.Namespace) -> int:
    from workshop_lib.sandbox.client import control

    print("Sandbox stopped; its state is kept." if control.stop() else "The sandbox was not running.")
    return 0


def _status(args: argparse.Namespace) -> int:
    from workshop_lib.sandbox.client import control

    info = control.status()
    if info is None:
        print("The sandbox is not running. Start it with `connect-sso-workshop sandbox start`.")
        return 1
    health = control.health() or {}
    persist = health.get("persist", {})
    print(f"Sandbox running at {info.endpoint} (pid {info.pid}, since {info.started_at}), moto {health.get('moto')}.")
    print(f"State: {info.state_dir} ({persist.get('bytes', 0):,} bytes, {persist.get('writes', 0)} writes, "
          f"mean {persist.get('mean_ms', 0)} ms per save)   Log: {info.log_path}")
    for problem in (health.get("state_warning"), health.get("persist_error")):
        if problem:
            print(f"Warning: {problem}")
    return 0


def _reset(args: argparse.Namespace) -> int:
    from workshop_lib.sandbox.client import control

    if not args.yes:
        if not sys.stdin.isatty():
            raise InputError("Reset deletes every resource in the sandbox.", fix="Add --yes to confirm.")
        if input("Delete every resource in the sandbox? [y/N] ").strip().lower() not in ("y", "yes"):
            print("Nothing was deleted.")
            return 1
    control.reset()
    print("The sandbox is empty again.")
    return 0


# ---- console ------------------------------------------------------------------------------------


def _enable(args: argparse.Namespace) -> int:
    from workshop_lib.sandbox.client import console_client

    result = console_client.enable_identity_center(_endpoint(), args.region, create_organization=args.create_organization)
    verb = "enabled" if result["created"] else "was already enabled"
    print(f"IAM Identity Center {verb} in {result['region']}: {result['instance_arn']}")
    print(f"Identity store: {result['identity_store_id']}   Access portal: {result['portal_url']}")
    return 0


def _add(args: argparse.Namespace) -> int:
    from workshop_lib.sandbox.client import console_client

    print(console_client.add_application(_endpoint(), args.display_name, args.provider))
    return 0


def _metadata(args: argparse.Namespace) -> int:
    from workshop_lib.sandbox.client import console_client

    data = console_client.download_metadata(_endpoint(), args.application)
    if args.out:
        args.out.write_bytes(data)
        print(f"Saved the metadata of {args.application!r} to {args.out}.")
    else:
        sys.stdout.write(data.decode("utf-8"))
    return 0


def _relay(args: argparse.Namespace) -> int:
    from workshop_lib.sandbox.client import console_client

    settings = console_client.set_relay_state(_endpoint(), args.application, args.url)
    print(f"Relay state of {settings['name']!r}: {settings['relay_state'] or '(empty)'}")
    return 0


def _mappings(args: argparse.Namespace) -> int:
    from workshop_lib.sandbox.client import console_client

    rows = []
    for item in args.mappings:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InputError(f"{item!r} is not NAME=VALUE.", fix="For example: Role=arn:aws:iam::…:role/R,arn:aws:iam::…:saml-provider/P")
        value, fmt = (value.rpartition(";")[0], value.rpartition(";")[2]) if ";" in value else (value, "")
        rows.append({"attribute": name, "value": value or None, "format": fmt or None})
    settings = console_client.set_attribute_mappings(_endpoint(), args.application, rows, replace=args.replace)
    for row in settings["mappings"]:
        print(f"{row['attribute']} = {row['value']} ({row['format']})")
    return 0


def _saml(args: argparse.Namespace) -> int:
    from workshop_lib.sandbox.client import console_client

    _print_json(console_client.set_application_saml(_endpoint(), args.application, acs_url=args.acs_url,
                                                    audience=args.audience, session_duration=args.session_duration))
    return 0


def _app_status(args: argparse.Namespace) -> int:
    from workshop_lib.sandbox.client import console_client

    settings = console_client.set_application_status(_endpoint(), args.application, args.state == "enabled")
    print(f"{settings['name']!r} is {settings['status']}.")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    from workshop_lib.sandbox.client import console_client

    settings = console_client.rotate_certificate(_endpoint(), args.application)
    print(f"New certificate for {settings['name']!r}, valid until {settings['certificate']['not_after']}. "
          "Download the metadata again and run update_saml_provider.")
    return 0


def _settings(args: argparse.Namespace) -> int:
    from workshop_lib.sandbox.client import console_client

    _print_json(console_client.get_application_settings(_endpoint(), args.application))
    return 0


def _password(args: argparse.Namespace) -> int:
    from workshop_lib.sandbox.client import console_client

    result = console_client.set_user_password(_endpoint(), args.identity_store_id, args.user, args.password)
    print(f"Password set for {result['user_name']}.")
    return 0


# ---- sign-in ------------------------------------------------------------------------------------


def _sign_in(args: argparse.Namespace) -> int:
    from workshop_lib.sandbox.client import console_client

    result = console_client.sign_in(_endpoint(), args.user, args.application, password=args.password,
                                    relay_state=args.relay_state)
    if args.saml_out:
        if result.saml_response is None:
            print(f"No SAML response was made, so nothing was written to {args.saml_out}.", file=sys.stderr)
        else:
            args.saml_out.write_bytes(result.saml_response)
    for step in result.trace:
        print(f"  ✓ {step}")
    if result.ok:
        print(result.message)
        if result.url:
            print(f"Browser: {result.url}")
        return 0
    print(f"Sign-in failed [{result.code}]: {result.message}")
    if result.detail:
        print(f"Why: {result.detail}")
    return 1
