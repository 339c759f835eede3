"""Committee roles granted at a place: the services (with their history), the API, the page."""
