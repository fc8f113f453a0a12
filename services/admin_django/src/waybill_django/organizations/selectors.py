from waybill_contracts.enums import Role
from waybill_django.accounts.models import User
from waybill_django.organizations.models import Membership, Organization


def membership_role(*, user: User, organization: Organization) -> Role | None:
    role = (
        Membership.objects.filter(user=user, organization=organization).values_list("role", flat=True).first()
    )
    return Role(role) if role else None
