"""Who may subscribe to outreach.<id>: filled by the outreach work."""
