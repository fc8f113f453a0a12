"""Route dependencies, as ``Annotated`` aliases."""

from typing import Annotated

from fastapi import Depends
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from waybill_realtime.auth.users import Account, current_active_user
from waybill_realtime.config import Settings
from waybill_realtime.resources import Resources, get_resources, get_session


def _get_settings(resources: "ResourcesDep") -> Settings:
    return resources.settings


def _get_redis(resources: "ResourcesDep") -> Redis:
    return resources.redis


ResourcesDep = Annotated[Resources, Depends(get_resources)]
SettingsDep = Annotated[Settings, Depends(_get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
RedisDep = Annotated[Redis, Depends(_get_redis)]
CurrentUser = Annotated[Account, Depends(current_active_user)]
