"""Models of the licenses app."""
