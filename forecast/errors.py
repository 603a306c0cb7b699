"""Exception types. Every user mistake raises a ForecastError subclass whose message
says where the problem is, what was found and how to fix it; the CLI prints it on one line."""


class ForecastError(ValueError):
    """Base class of the toolkit's errors; the CLI turns it into exit status 1. A ValueError, so
    that Python callers catch a bad value as they would anywhere else."""


class InputDataError(ForecastError):
    """The revenue (or regressor) data cannot be used as given."""


class ConfigError(ForecastError):
    """The configuration file or an option value is invalid."""


class ModelFitError(ForecastError):
    """A model could not be fitted to a series."""


def one_line(text) -> str:
    """A message on one line, as the CLI prints every error."""
    return " ".join(str(text).split())
