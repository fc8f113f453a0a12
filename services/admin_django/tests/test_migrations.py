"""The migrations describe the models: a changed field, choice or validator without its migration fails here."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_models_have_no_changes_without_a_migration() -> None:
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(
            f"run `waybill-django makemigrations`; the models changed without a migration:\n{out.getvalue()}"
        )
