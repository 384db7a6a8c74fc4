"""Judging blueprint: rubrics, panels, assignment, tablet scoring, aggregation.

Pure math lives in judging.aggregation, judging.reliability and judging.assignment."""

from flask import Blueprint

bp = Blueprint("judging", __name__)

from judging import routes_judge, routes_organiser  # noqa: E402,F401
