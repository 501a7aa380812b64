"""Small composition roots, one per entry point that needs only part of the application."""
