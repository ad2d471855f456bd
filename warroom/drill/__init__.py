"""Drill mode: a simulated outage on 127.0.0.1 that the IC practises on with the real console.

- `script`: drill scripts (pure): faults and recoveries with causes, the steps (by id)
  whose tick sets off a recovery, `plan`.
- `library`: the shipped scripts (`scenarios/drills/*.toml`) and the user's own.
- `http_fleet`, `vendor_page`: fake api/web/webhooks health endpoints and a Statuspage.
- `pg_cluster`, `reaper`, `pg_trouble`: a throwaway PostgreSQL, the watchdogs (for the
  cluster and the temporary config), and the trouble the drill causes in it.
- `fleet`: all of the above as one fleet; `drill_config`: the temporary config for it.
- `loop_thread`, `runner`: the drill's own event loop, and the script runner on it.
- `journal`: what the drill did, kept apart from the incident's timeline.
- `signature`: what the probes should show after each action; `report`: the figures,
  the grade and the Markdown report; `session`: one drill from start to report;
  `cleanup`: atexit and signal handling; `headless`: a drill without the console, and
  `play`: play files for it.

Nothing here imports Textual; `warroom.cli.drill_commands` opens the console.
"""
