"""routes_files"""

from registration import bp  # noqa: F401
