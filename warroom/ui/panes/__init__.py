"""The console's panes: header, service status, checklist, timeline, comms composer."""
