"""Errors a user can fix: the CLI prints their message and exits 2, never a traceback."""


class CoprodError(Exception):
    """A problem with the user's input or files, described in words the user can act on."""


class ScenarioError(CoprodError):
    """A scenario file or override that does not fit the parameter schema."""
