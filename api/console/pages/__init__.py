"""The console's pages, one module per menu section."""
