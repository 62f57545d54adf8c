"""Request and response shapes of the API, separate from the domain and the tables."""
