"""Robocon services: the database side of the pure core.

Services take explicit arguments (never ``request``) and never commit: the route (or the
CLI, the demo seed, a test) commits once. Every problem is a ``RoboconError`` carrying
Vietnamese messages.

This module is the one entry point the routes, forms, demo seed and tests use
(``from contest.robocon import services``); it re-exports the public names of the
modules that hold the services, by concern:

* ``common``: ``RoboconError`` and the audit-log labels of the Robocon actions;
* ``settings``: the format of each level and division, the referee score sheet of each
  division and the inspection checklist, all in ``Edition.settings["robocon"]``;
* ``stages``: editions, access, and who plays a level (the accepted teams of a division
  at the first level; the teams moved up by the cut line at a later one), seeded by the
  earlier rank;
* ``checkin``: check-in and technical inspection;
* ``scheduling``: schedules (``schedule_runs`` / ``schedule_matches`` of the core,
  written as fixtures);
* ``referee``: results: versioned score sheets, commit by the head referee,
  disqualifications;
* ``standings``: rankings, group tables, the final ranking;
* ``progression``: the cut line, the draw and the bracket;
* ``csv_import``: the qualifying-round CSV import;
* ``display``: the public display and field queues.
"""

from __future__ import annotations

# The public names of the service modules, re-exported (``name as name``), one statement
# per module (isort would split aliased imports into one statement per name).
# isort: off
from contest.robocon.checkin import (
    TeamStatus as TeamStatus,
    check_in as check_in,
    inspect_robot as inspect_robot,
    inspections_of as inspections_of,
    plays_at as plays_at,
    team_statuses as team_statuses,
    undo_check_in as undo_check_in,
)
from contest.robocon.common import (
    RoboconError as RoboconError,
)
from contest.robocon.csv_import import (
    ImportReport as ImportReport,
    import_runs as import_runs,
)
from contest.robocon.display import (
    bracket_json as bracket_json,
    default_level as default_level,
    display_payload as display_payload,
    fixture_json as fixture_json,
    queue_payload as queue_payload,
)
from contest.robocon.progression import (
    build_stage_bracket as build_stage_bracket,
    close_cut as close_cut,
    cut_preview as cut_preview,
    draw_groups as draw_groups,
)
from contest.robocon.referee import (
    SheetInput as SheetInput,
    SideInput as SideInput,
    commit_result as commit_result,
    fixture_context as fixture_context,
    fixture_title as fixture_title,
    pending_results as pending_results,
    save_result as save_result,
)
from contest.robocon.scheduling import (
    ScheduleParams as ScheduleParams,
    ScheduleSummary as ScheduleSummary,
    generate_schedule as generate_schedule,
    level_fields as level_fields,
    level_fixtures as level_fixtures,
    parse_days as parse_days,
    parse_venues as parse_venues,
    schedule_by_field as schedule_by_field,
    schedule_by_team as schedule_by_team,
)
from contest.robocon.settings import (
    DEFAULT_INSPECTION as DEFAULT_INSPECTION,
    DEFAULT_SHEET as DEFAULT_SHEET,
    FORMATS as FORMATS,
    ON_TIE as ON_TIE,
    RANKING_MODES as RANKING_MODES,
    TIE_BREAK_LABELS as TIE_BREAK_LABELS,
    StageFormat as StageFormat,
    default_format as default_format,
    inspection_items as inspection_items,
    parse_number_vn as parse_number_vn,
    parse_seconds as parse_seconds,
    parse_sheet_lines as parse_sheet_lines,
    save_format as save_format,
    save_inspection_items as save_inspection_items,
    save_sheet as save_sheet,
    sheet_lines as sheet_lines,
    sheet_spec as sheet_spec,
    stage_format as stage_format,
)
from contest.robocon.stages import (
    StageContext as StageContext,
    can_act as can_act,
    division_of as division_of,
    editions_for as editions_for,
    get_edition as get_edition,
    get_stage as get_stage,
    level_of as level_of,
    next_level as next_level,
    playable_levels as playable_levels,
    previous_level as previous_level,
    robocon_editions as robocon_editions,
    stage_context as stage_context,
    stage_entries as stage_entries,
    team_label as team_label,
)
from contest.robocon.standings import (
    GroupTable as GroupTable,
    RankRow as RankRow,
    committed_runs as committed_runs,
    division_finished as division_finished,
    final_ranking as final_ranking,
    group_tables as group_tables,
    mission_ranking as mission_ranking,
    stage_has_results as stage_has_results,
    stage_standings as stage_standings,
)
# isort: on

__all__ = [
    "DEFAULT_INSPECTION",
    "DEFAULT_SHEET",
    "FORMATS",
    "RANKING_MODES",
    "TIE_BREAK_LABELS",
    "GroupTable",
    "ImportReport",
    "RankRow",
    "RoboconError",
    "ScheduleParams",
    "ScheduleSummary",
    "SheetInput",
    "SideInput",
    "StageContext",
    "StageFormat",
    "build_stage_bracket",
    "can_act",
    "check_in",
    "close_cut",
    "commit_result",
    "display_payload",
    "division_finished",
    "draw_groups",
    "final_ranking",
    "generate_schedule",
    "get_edition",
    "group_tables",
    "import_runs",
    "inspect_robot",
    "mission_ranking",
    "queue_payload",
    "save_result",
    "stage_context",
    "stage_standings",
]
