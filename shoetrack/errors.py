"""One exception family for the core; the CLI turns it into a one-line error and an exit code."""


class ShoetrackError(Exception):
    """A known failure: printed as one line, exit status 1."""

    exit_code = 1


class UsageProblem(ShoetrackError):
    """A bad argument value (unknown shoe, unparsable distance, future date): exit status 2."""

    exit_code = 2
