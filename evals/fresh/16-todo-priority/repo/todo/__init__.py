"""A minimal todo list."""
