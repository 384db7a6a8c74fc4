"""Demo data for the contest platform: administrative units, institutions, people and titles.

``contest.demo.data`` holds pure data and deterministic generators (no Flask, no
database); seeding code turns them into rows.
"""
