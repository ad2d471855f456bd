"""The Textual console: app, panes and modal screens (the only layer importing Textual)."""
