"""Settings split by environment: ``base`` plus ``local``, ``test`` or ``production``."""
