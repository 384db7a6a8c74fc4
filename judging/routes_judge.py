"""routes_judge"""

from judging import bp  # noqa: F401
