"""Sign-in for API and device clients: JWTs for the users of Django's user table.

fastapi-users is in maintenance mode, so the rest of the service uses only
what this package exports; replacing it touches nothing else.
"""
