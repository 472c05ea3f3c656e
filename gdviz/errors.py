"""The one error type gdviz raises for bad input."""


class GdvizError(ValueError):
    """Bad input from a person: a file, a setting, a URL parameter, a typed value.

    The message is written for the person who caused it (what is wrong and where), so a page
    or the command line can show it as it is.
    """
