"""Where incident events live: local JSONL files, or a shared PostgreSQL database."""
