"""Shipped Textual themes, one TOML file each (packaged as warroom.bundled.themes)."""
