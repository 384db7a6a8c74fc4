"""routes_entries"""

from registration import bp  # noqa: F401
