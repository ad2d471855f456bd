"""Application services: what the CLI and the console do, over the model and a store."""
