"""The one exception the reports package raises for problems a user can fix."""


class ReportError(Exception):
    """A report cannot be produced; the message names the input and the fix (one line)."""
