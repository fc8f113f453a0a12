"""One table of people for the demo and every test suite."""

from pathlib import Path

from waybill_contracts.enums import Role
from waybill_contracts.personas import DEMO_PASSWORD, DEMO_TEAM, TEAM, demo_email

README = Path(__file__).parents[3] / "README.md"


def test_every_role_has_one_person() -> None:
    assert set(TEAM) == set(Role)
    assert len({persona.local_part for persona in TEAM.values()}) == len(TEAM)


def test_the_demo_has_one_sign_in_per_role_it_seeds_and_the_owner_is_staff() -> None:
    emails = [member.email for member in DEMO_TEAM]
    assert len(set(emails)) == len(emails)
    assert [member for member in DEMO_TEAM if member.is_staff] == [
        m for m in DEMO_TEAM if m.role is Role.OWNER
    ]
    assert demo_email(Role.DISPATCHER) == "dispatcher@demo.waybill.test"


def test_the_readme_prints_the_demo_sign_ins_of_the_table() -> None:
    readme = README.read_text()
    assert f"`{DEMO_PASSWORD}`" in readme
    for member in DEMO_TEAM:
        assert f"`{member.email}`" in readme, member.email
