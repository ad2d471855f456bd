"""Data shipped inside the package: themes, scenarios and comms templates."""
