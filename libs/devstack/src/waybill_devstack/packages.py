from importlib.util import find_spec
from pathlib import Path


def package_dir(name: str) -> Path:
    """Where an installed package lives, found without importing it.

    We only need the server binaries these wheels ship; importing ``pgserver``
    would also start its own machinery (and warn) as a side effect.
    """
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"The package {name} is not installed: run `make venv`.")
    return Path(next(iter(spec.submodule_search_locations)))
