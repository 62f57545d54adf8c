"""tracker/store package."""
