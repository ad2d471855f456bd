"""Shipped triage scenarios, one TOML file each (packaged as warroom.bundled.scenarios)."""
