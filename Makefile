# One command surface for Waybill. `make up` and `make test` are all a new
# machine with Python 3.11+ needs; everything else is for developers.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
OWN_PACKAGES := -e libs/contracts -e libs/devstack -e libs/testkit -e services/admin_django \
	-e services/realtime_fastapi -e services/worker

# mypy's Django plugin imports the settings, which need these set; nothing connects to them.
LINT_ENV := DATABASE_URL=postgresql://lint@localhost/lint REDIS_URL=redis://localhost:6379/0

.PHONY: up test test-faults e2e lint format lock venv clean checkov sbom audit bench bench-smoke flower images test-images architecture

venv: $(INSTALLED)

$(INSTALLED): requirements/dev.txt libs/*/pyproject.toml services/*/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation $(OWN_PACKAGES)
	@touch $@

## Run the whole product locally with demo data (Ctrl-C stops it).
up: $(INSTALLED)
	$(BIN)/waybill-dev up

# The slowest tests are listed at the end of every full run, so a slow one shows in CI's output.
DURATIONS := --durations=25

## Run every test against throwaway PostgreSQL and Redis (the fault scenarios apart: make test-faults).
test: $(INSTALLED)
	$(BIN)/waybill-dev test -m "not faults" $(DURATIONS)

## Kill, freeze and restart the real processes (docs/reliability.md); prints the figures measured.
test-faults: $(INSTALLED)
	$(BIN)/waybill-dev test -m faults services libs $(DURATIONS)

## Run only the browser tests (e2e/: real Chromium through Playwright, against the running stack).
e2e: $(INSTALLED)
	$(BIN)/waybill-dev test e2e

## Build waybill-django, -realtime and -worker (tag "local") from their Dockerfiles with podman (docs/deploy.md#images).
images: $(INSTALLED)
	PYTHON=$(BIN)/python infra/scripts/images.sh

## Start the built images as the manifests declare them and walk a user's journey through them.
test-images: $(INSTALLED)
	WAYBILL_IMAGE_TESTS=1 $(BIN)/waybill-dev test infra/tests/images

## Run the benchmarks against throwaway backends; report and plots go to bench/results/<timestamp>/.
bench: $(INSTALLED)
	$(BIN)/waybill-dev run $(BIN)/python bench/run.py $(BENCH)

## Every benchmark scenario at a tiny size (checks the harness, not a speed); `make test` runs it too.
bench-smoke: $(INSTALLED)
	$(BIN)/waybill-dev run $(BIN)/python bench/run.py --smoke $(BENCH)

## Celery's dashboard (queues, workers, tasks) on http://127.0.0.1:5555, beside a running `make up`.
flower: $(INSTALLED)
	DATABASE_URL=$${DATABASE_URL:-postgresql://postgres@127.0.0.1:54320/waybill} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:63790/0} DJANGO_SETTINGS_MODULE=waybill_django.config.settings.local \
	$(BIN)/celery --app waybill_worker.celery_app flower --address=127.0.0.1 --port=5555

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(LINT_ENV) $(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Re-pin requirements/*.txt after changing a dependency.
lock: $(INSTALLED)
	UV=$(BIN)/uv requirements/lock.sh

## checkov over the Dockerfiles, Kubernetes overlays and Terraform (make test runs it too).
checkov:
	infra/scripts/checkov.sh

## The README's architecture picture, from docs/architecture.dot (needs Graphviz's `dot`, e.g. apt-get install graphviz).
architecture:
	dot -Tsvg docs/architecture.dot | sed "1a <!-- source sha256 $$(sha256sum docs/architecture.dot | cut -d' ' -f1) -->" > docs/architecture.svg

## CycloneDX SBOM of each image's pinned dependencies, in dist/sbom/.
sbom: $(INSTALLED)
	infra/scripts/sbom.sh

## Known vulnerabilities in the pinned dependencies (needs PyPI's JSON API, not reachable from CI here).
audit: $(INSTALLED)
	infra/scripts/audit.sh

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
