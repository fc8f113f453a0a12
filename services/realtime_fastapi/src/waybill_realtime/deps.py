"""Route dependencies, as ``Annotated`` aliases."""

from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from waybill_realtime.auth.users import Account, current_active_user
from waybill_realtime.resources import Resources, get_session, resources_dependency

ResourcesDep = Annotated[Resources, Depends(resources_dependency)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
CurrentUser = Annotated[Account, Depends(current_active_user)]
