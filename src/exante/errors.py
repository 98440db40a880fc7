"""User-facing errors: raised for bad input, printed by the CLI as one line, never a traceback."""


class ExanteError(Exception):
    """A mistake in the user's input (file, field, value) that the user can fix.

    The message must name where the problem is (file and line, rule id, field) and what was
    expected. The CLI prints it as ``error: <message>`` and exits with status 2.
    """
