from typing import Any

from django.core.management.base import BaseCommand

from waybill_contracts.personas import DEMO_PASSWORD, DEMO_TEAM
from waybill_django.demo.seed import seed_demo


class Command(BaseCommand):
    help = "Create the demo organization, its users and shipments (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        organization = seed_demo()
        self.stdout.write(f"Demo organization: {organization.name} (id {organization.pk})")
        for user in DEMO_TEAM:
            self.stdout.write(f"  {user.email:<32} {DEMO_PASSWORD}  {user.role.value}")
