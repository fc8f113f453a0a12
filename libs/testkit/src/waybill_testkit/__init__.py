"""Test support shared by the tests, the benchmarks and the browser tests; installed by ``make venv`` only.

No image installs this package, and import-linter forbids every service from importing it.
"""
