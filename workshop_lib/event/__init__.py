"""Running the workshop as an event on JupyterHub: each attendee's progress, and the facilitator's view of all of them.

- ``progress``: one attendee's workshop status (which chapter, stuck on what), computed in their own environment;
- ``server_ext``: a Jupyter server extension that serves that status, read-only, at ``<server>/workshop/status``;
- ``hub``: a small client of JupyterHub's REST API (list attendees, start and stop servers, read statuses);
- ``remote``: run code in an attendee's server through its kernel API (pre-event checks, the event test);
- ``view``: the facilitator's table, for a terminal and as a widget.
"""
