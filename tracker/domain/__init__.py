"""tracker/domain package."""
