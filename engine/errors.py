"""The one exception type the CLI turns into a single clear line and a non-zero exit."""


class CallhiveError(Exception):
    """An error the operator can act on; its message is the whole story, no traceback needed."""


class ConfigError(CallhiveError):
    """A configuration value is missing, malformed or out of range."""
