"""``python -m workshop_lib.sandbox.server``: the sandbox server process."""

import sys

from workshop_lib.sandbox.server.app import main

sys.exit(main())
