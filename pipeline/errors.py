"""Errors that reach the user as one clear line (the CLI prints them without a traceback)."""


class PipelineError(Exception):
    """A problem the user can act on: bad configuration, missing input, bad arguments."""


class ConfigError(PipelineError):
    """The sources file is missing, unreadable or invalid; the message names file, source and field."""
