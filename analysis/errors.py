"""The one exception type the command line and the dashboard turn into a one-line message."""
from __future__ import annotations

import sys
from typing import Callable


class FramingError(Exception):
    """A problem the user can fix (bad file, bad option, foreign database): shown as one line."""


def run_command(command: Callable[[], int]) -> int:
    """Exit code of `command()`; a FramingError becomes one line on stderr and 2, Ctrl-C 130."""
    try:
        return command()
    except FramingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
