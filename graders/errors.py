"""The errors the CLI catches: problems the user can fix. Only the standard library and
graders.untrusted below them, so the modules `course` loads before it starts a worker can raise
them cheaply."""

from graders.untrusted import readable


class UserError(Exception):
    """A problem the user can fix (a file, an argument, a device); the message says how.
    The CLI prints it and exits 2."""


class SubmissionError(UserError):
    """A submission that can't be read; the message says why and what to hand in instead. The
    one kind a batch catches: that learner's record says why, and the batch goes on."""

    def __init__(self, message: str):
        super().__init__(readable(message))  # it names the learner's files, and goes into every report
