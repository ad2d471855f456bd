"""Live service status: one probe engine for HTTP, Statuspage, PostgreSQL and TCP.

- `config`: typed specs from the config's `[[service]]` tables (secrets registered).
- `result`: `ProbeState`, `ProbeResult` and `clean_remote_text()` for text from remote servers.
- `http`, `statuspage`, `postgres`, `tcp`: one probe per kind.
- `runner`: runs one probe with its timeout; shares one httpx client.
- `damping`: flap damping (pure); `clock`: real and manual clocks.
- `scheduler`: `ProbeEngine`, which runs them all and emits debounced `StateChange`s.

Nothing here imports Textual: `warroom check`, `warroom watch` and the console share it.
"""
