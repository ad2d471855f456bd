"""Drill mode: a simulated outage on 127.0.0.1 that the IC practises on with the real console.

- `script`: drill scripts (pure): a timeline of faults, recoveries set off by ticks, `plan`.
- `library`: the shipped scripts (`scenarios/drills/*.toml`) and the user's own.
- `http_fleet`, `vendor_page`: fake api/web/webhooks health endpoints and a Statuspage.
- `pg_cluster`, `reaper`, `pg_trouble`: a throwaway PostgreSQL, its watchdog, and the
  trouble the drill causes in it (a full pool, a blocking lock).
- `fleet`: all of the above as one fleet; `drill_config`: the temporary config for it.
- `loop_thread`, `runner`: the drill's own event loop, and the script runner on it.
- `journal`: what the drill did, kept apart from the incident's timeline.
- `report`: the figures and the Markdown report; `session`: one drill from start to
  report; `cleanup`: atexit and signal handling; `headless`: a drill without the console.

Nothing here imports Textual; `warroom.cli.drill_commands` opens the console.
"""
