"""deployq's settings: read once into a typed, frozen object."""

from deployq.config.settings import SETTINGS, Settings, SettingSpec, load_settings

__all__ = ["SETTINGS", "SettingSpec", "Settings", "load_settings"]
