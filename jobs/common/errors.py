"""Errors a job raises on purpose, each with a message an operator can act on."""


class SegmentationError(Exception):
    """Base class: the CLI turns these into a one-line message and exit code 2."""


class ConfigError(SegmentationError):
    """A configuration key is missing or holds a wrong value."""


class SecretError(SegmentationError):
    """The pseudonym secret is missing or malformed."""


class InputError(SegmentationError):
    """An input the job needs is absent (a landing folder, a file, a table)."""


class RuleError(SegmentationError):
    """A custom rule of the rule library (conf/rules) is malformed, unknown or cyclic."""
