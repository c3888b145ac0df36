"""The sandbox's server half: moto plus the workshop's extensions, run as its own process.

``python -m workshop_lib.sandbox.server --home DIR`` starts it (:mod:`.app`); only that process imports
moto. The client half (:mod:`workshop_lib.sandbox.client`) never imports anything from here.
"""
