"""Errors that reach the user as one clear line (the CLI prints them without a traceback).

A :class:`PipelineError` is something no retry can fix: the DAG fails such a task at once instead of retrying it.
"""


class PipelineError(Exception):
    """A problem the user can act on: bad configuration, missing input, bad arguments. Retrying cannot fix it."""


class ConfigError(PipelineError):
    """The sources file is missing, unreadable or invalid; the message names file, source and field."""


class InputError(PipelineError, ValueError):
    """A bad parameter (a day, a shard count) or an input path that is not there; the message names it."""
