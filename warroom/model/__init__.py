"""The incident domain: pure Python, no Textual, no I/O."""
