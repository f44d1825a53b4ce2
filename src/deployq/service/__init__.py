"""The service layer: one function per user action, shared by the API, the CLI and beat."""
