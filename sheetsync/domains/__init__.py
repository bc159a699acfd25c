"""Domain names and their availability."""
