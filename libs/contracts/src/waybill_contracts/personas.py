"""The named people of the demo and of every test suite, defined once.

The demo organization (``make up``) and the test organizations (Acme, and
Globex as "another organization") are staffed from the same table: one
person per role, the same names and the same local parts everywhere, so a
test, a benchmark and a browser test speak of "the dispatcher" and mean the
same person. Only the domain differs.
"""

from dataclasses import dataclass
from typing import Final

from waybill_contracts.enums import Role

DEMO_DOMAIN: Final = "demo.waybill.test"
TEST_DOMAIN: Final = "acme.test"
OTHER_TEST_DOMAIN: Final = "globex.test"

# A development password, printed by `make up`; never use it elsewhere.
DEMO_PASSWORD: Final = "waybill-demo"  # noqa: S105 - the demo's documented development password


@dataclass(frozen=True)
class Persona:
    local_part: str
    full_name: str
    role: Role

    def email(self, domain: str) -> str:
        return f"{self.local_part}@{domain}"


OWNER: Final = Persona("owner", "Olive Owner", Role.OWNER)
ADMIN: Final = Persona("admin", "Ada Admin", Role.ADMIN)
DISPATCHER: Final = Persona("dispatcher", "Dana Dispatcher", Role.DISPATCHER)
DRIVER: Final = Persona("driver", "Dmitri Driver", Role.DRIVER)
VIEWER: Final = Persona("viewer", "Vera Viewer", Role.VIEWER)
INACTIVE_DRIVER: Final = Persona("inactive", "Ivo Inactive", Role.DRIVER)
"""A driver whose account is deactivated (tests of revoked access)."""

TEAM: Final[dict[Role, Persona]] = {
    persona.role: persona for persona in (OWNER, ADMIN, DISPATCHER, DRIVER, VIEWER)
}
"""One person per role."""


@dataclass(frozen=True)
class DemoMember:
    persona: Persona
    role: Role
    is_staff: bool = False

    @property
    def email(self) -> str:
        return self.persona.email(DEMO_DOMAIN)


DEMO_TEAM: Final = (
    # Ada is the demo organization's owner and platform staff: one sign-in shows the dashboard and the admin.
    DemoMember(ADMIN, Role.OWNER, is_staff=True),
    DemoMember(DISPATCHER, Role.DISPATCHER),
    DemoMember(DRIVER, Role.DRIVER),
    DemoMember(VIEWER, Role.VIEWER),
)
"""Who ``make up`` seeds, the sign-ins it prints, and whom the browser tests sign in as."""


def demo_email(role: Role) -> str:
    """The demo sign-in of the member holding ``role`` (the owner is Ada, the admin)."""
    return next(member.email for member in DEMO_TEAM if member.role is role)
