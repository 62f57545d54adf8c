"""tracker/services package."""
