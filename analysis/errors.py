"""The one exception type the command line and the dashboard turn into a one-line message."""


class FramingError(Exception):
    """A problem the user can fix (bad file, bad option, foreign database): shown as one line."""
