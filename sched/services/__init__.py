"""Use cases shared by views, CLI commands and jobs."""
