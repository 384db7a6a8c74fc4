"""Robocon: the pure core of the provincial school Robocon.

Plain dataclasses and functions, no Flask and no database: referee score sheets
(``scoring``), rankings of mission runs and round-robin groups, cut lines and the
qualifying-round CSV import (``ranking``), the seeded group draw (``draw``), the
single-elimination bracket of the final (``bracket``) and the run/match schedules
(``schedule``). Randomness is always passed in as a seed, so every draw and schedule can
be reproduced.
"""
