"""The SQLAlchemy mapping agrees with the tables Django's migrations build.

Django owns the schema; when a migration renames, retypes or drops a column
this service maps, this test fails before the service does.
"""

from sqlalchemy import Column, MetaData, String, Table, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import create_async_engine

from waybill_realtime.tables import Base

# format_type() spells some types differently from SQLAlchemy's PostgreSQL compiler.
_SPELLINGS = {"VARCHAR": "CHARACTER VARYING"}

ColumnShape = tuple[str, bool]
"""(type as PostgreSQL spells it, nullable)"""


def mapped_shape(table: Table, dialect: Dialect) -> dict[str, ColumnShape]:
    shape = {}
    for column in table.columns:
        compiled = column.type.compile(dialect=dialect).upper()
        name, _, size = compiled.partition("(")
        spelled = _SPELLINGS.get(name, name) + (f"({size}" if size else "")
        shape[column.name] = (spelled, bool(column.nullable) and not column.primary_key)
    return shape


async def disagreements(database_url: str, table: Table) -> list[str]:
    engine = create_async_engine("postgresql+asyncpg://" + database_url.partition("://")[2])
    query = text(
        "SELECT attname, upper(format_type(atttypid, atttypmod)), NOT attnotnull FROM pg_attribute"
        " WHERE attrelid = CAST(:table AS regclass) AND attnum > 0 AND NOT attisdropped"
    )
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(query, {"table": table.name})).tuples()
            actual = {name: (spelled, nullable) for name, spelled, nullable in rows}
    finally:
        await engine.dispose()
    if not actual:
        return [f"{table.name}: no such table"]
    problems = []
    for column, expected in mapped_shape(table, engine.dialect).items():
        if column not in actual:
            problems.append(f"{table.name}.{column}: no such column")
        elif actual[column] != expected:
            problems.append(f"{table.name}.{column}: mapped as {expected}, database has {actual[column]}")
    return problems


async def test_every_mapped_table_matches_the_migrated_database(migrated_database_url: str) -> None:
    problems = [
        problem
        for table in Base.metadata.sorted_tables
        for problem in await disagreements(migrated_database_url, table)
    ]

    assert problems == []


async def test_a_mapping_that_disagrees_with_the_database_is_caught(migrated_database_url: str) -> None:
    wrong = Table(
        "accounts_user",
        MetaData(),
        Column("email", String(100), nullable=False),  # Django's is varchar(254)
        Column("full_name", String(150), nullable=True),  # Django's is NOT NULL
        Column("nickname", String(50)),  # Django has none
    )

    assert await disagreements(migrated_database_url, wrong) == [
        "accounts_user.email: mapped as ('CHARACTER VARYING(100)', False),"
        " database has ('CHARACTER VARYING(254)', False)",
        "accounts_user.full_name: mapped as ('CHARACTER VARYING(150)', True),"
        " database has ('CHARACTER VARYING(150)', False)",
        "accounts_user.nickname: no such column",
    ]
