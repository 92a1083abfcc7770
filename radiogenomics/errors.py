"""Exceptions that describe bad input; the CLI prints them without a traceback."""


class RadiogenomicsError(ValueError):
    """Base class of errors caused by the user's data, files or settings."""


class DatasetError(RadiogenomicsError):
    """A dataset or one of its files is missing, unknown or corrupt."""


class TableError(RadiogenomicsError):
    """A table lacks a column, repeats an identifier or contains values of the wrong type."""


class WorkflowError(RadiogenomicsError):
    """A workflow file is invalid or names something that does not exist."""
