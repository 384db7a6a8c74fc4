"""routes_organiser"""

from judging import bp  # noqa: F401
