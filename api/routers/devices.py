"""Gateways and other devices: the system administrator registers them, rotates and
revokes their tokens. A token is shown once; only its hash is kept. Every change is in
the administration log."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Ctx, SystemAdmin
from api.schemas.admin import DeviceIn, DeviceOut, DeviceTokenOut
from api.schemas.common import ERROR_RESPONSES, IdPath
from tracker.services import accounts

router = APIRouter(prefix="/api/v1/devices", tags=["devices"], responses=ERROR_RESPONSES)


@router.get("", response_model=list[DeviceOut], summary="List devices")
def list_devices(me: SystemAdmin, ctx: Ctx) -> list[DeviceOut]:
    """Every device by id (never a token)."""
    return [DeviceOut.model_validate(d) for d in accounts.list_devices(ctx.services)]


@router.post("", response_model=DeviceTokenOut, status_code=201, summary="Register a device")
def add_device(body: DeviceIn, me: SystemAdmin, ctx: Ctx) -> DeviceTokenOut:
    """A gateway serving the given doors and safes of the site (or, with ``metrics``, a
    scraper of ``/metrics``); the answer holds its token, shown this once."""
    device, token = accounts.create_device(
        ctx.services, me.actor, body.id, body.places, body.metrics
    )
    return DeviceTokenOut(device=DeviceOut.model_validate(device), token=token)


@router.post("/{device_id}/rotate", response_model=DeviceTokenOut, summary="New device token")
def rotate(device_id: IdPath, me: SystemAdmin, ctx: Ctx) -> DeviceTokenOut:
    """A new token for the device; the old one stops working at once."""
    device, token = accounts.rotate_device_token(ctx.services, me.actor, device_id)
    return DeviceTokenOut(device=DeviceOut.model_validate(device), token=token)


@router.post("/{device_id}/revoke", response_model=DeviceOut, summary="Revoke a device")
def revoke(device_id: IdPath, me: SystemAdmin, ctx: Ctx) -> DeviceOut:
    """The device's token stops working at once."""
    return DeviceOut.model_validate(accounts.revoke_device(ctx.services, me.actor, device_id))
