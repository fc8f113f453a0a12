"""Domain errors that every entry point maps the same way (the API answers 409)."""


class Conflict(Exception):
    """The request is valid but the object's current state does not allow it."""
