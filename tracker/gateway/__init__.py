"""tracker/gateway package."""
