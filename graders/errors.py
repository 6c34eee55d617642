"""The one error the CLI catches: a problem the user can fix. Standard library only, and no
imports at all, so the modules `course` loads before it starts a worker can raise it cheaply."""


class UserError(Exception):
    """A problem the user can fix (a file, an argument, a device); the message says how.
    The CLI prints it and exits 2."""
