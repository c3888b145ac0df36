"""Sub-commands of ``connect-sso-workshop``: one module each, with ``add_parser(subparsers)``.

Each module's ``add_parser`` registers its sub-command and sets ``func`` (taking the parsed
arguments, returning the exit code) with ``parser.set_defaults(func=...)``.
"""

COMMAND_MODULES = (
    "workshop_lib.commands.values",
    "workshop_lib.commands.sandbox",
    "workshop_lib.commands.saml",
    "workshop_lib.commands.doctor",
    "workshop_lib.commands.workshop",
    "workshop_lib.commands.agents",
    "workshop_lib.commands.event",
)
