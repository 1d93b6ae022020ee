"""Default settings, read from environment variables (see config/example.env)."""

from config.settings import Config, load_secret_key

__all__ = ["Config", "load_secret_key"]
