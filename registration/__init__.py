"""Registration blueprint: entries and teams, their status flow, files, Excel import
and export, quotas and deadlines. Route modules are split by concern."""

from flask import Blueprint

bp = Blueprint("registration", __name__)

from registration import routes_entries, routes_excel, routes_files, routes_organiser  # noqa: E402,F401
