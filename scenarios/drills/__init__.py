"""Shipped drill scripts, one TOML file each, beside the scenarios they drill."""
