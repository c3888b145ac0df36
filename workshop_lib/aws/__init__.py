"""Everything that talks to AWS (or the sandbox): clients, error translation, get-or-create, preflight."""
