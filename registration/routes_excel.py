"""routes_excel"""

from registration import bp  # noqa: F401
