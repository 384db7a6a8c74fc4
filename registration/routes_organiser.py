"""routes_organiser"""

from registration import bp  # noqa: F401
