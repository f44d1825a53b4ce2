"""The ``deployq`` command."""
