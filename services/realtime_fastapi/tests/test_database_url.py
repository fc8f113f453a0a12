"""One DATABASE_URL for every service: libpq's TLS parameters become asyncpg's ``ssl`` argument."""

import ssl

import certifi
import pytest

from waybill_realtime.config import asyncpg_database


def test_sslmode_becomes_asyncpgs_ssl_and_other_parameters_stay_in_the_url() -> None:
    database = asyncpg_database(
        "postgres://waybill:pw@db.internal:5432/waybill?sslmode=require&application_name=rt"
    )

    assert database.url == "postgresql+asyncpg://waybill:pw@db.internal:5432/waybill?application_name=rt"
    assert database.ssl == "require"


@pytest.mark.parametrize(
    ("mode", "checks_host_name"), [("verify-full", True), ("verify-ca", False), ("require", False)]
)
def test_a_root_certificate_verifies_the_server_as_libpq_does(mode: str, checks_host_name: bool) -> None:
    database = asyncpg_database(
        f"postgresql://db.internal/waybill?sslmode={mode}&sslrootcert={certifi.where()}"
    )

    assert database.url == "postgresql+asyncpg://db.internal/waybill"
    assert isinstance(database.ssl, ssl.SSLContext)
    assert database.ssl.verify_mode == ssl.CERT_REQUIRED
    assert database.ssl.check_hostname is checks_host_name


def test_an_unknown_sslmode_is_refused_with_the_modes_there_are() -> None:
    with pytest.raises(ValueError, match="sslmode must be one of disable, allow, prefer, require"):
        asyncpg_database("postgresql://db.internal/waybill?sslmode=on")
