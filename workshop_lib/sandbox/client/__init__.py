"""The sandbox's client half, light on purpose (no moto, no boto3): used by ``aws/``, the CLI and the UI.

:mod:`.control` starts, stops and finds the server and reads its credentials; :mod:`.console_client`
drives the simulated console and sign-in; :mod:`._http` is the JSON-over-HTTP both use.
"""
