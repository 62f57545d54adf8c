"""Loading a site file into the database: places and doors, and the file itself so every
process (service, gateway, command line) works from the same site."""

from __future__ import annotations

import hashlib

from tracker.domain.adminlog import AdminAction
from tracker.domain.errors import ConfigError
from tracker.domain.ledger import Action
from tracker.domain.model import Role
from tracker.domain.site import Site
from tracker.services import adminlog
from tracker.services.base import SYSTEM, Services

SITE_SETTING = "site.toml"


def apply_site(svc: Services, actor: str, site: Site, text: str) -> dict[str, int]:
    """Upsert the site's places and doors and store its text. Places still used by carriers
    cannot disappear; returns counts of what was added and updated. The site is the
    system administrator's (or the server's own: actor ``system`` or ``cli:<user>``)."""
    with svc.transaction() as tx:
        if actor != SYSTEM:
            tx.require_admin(actor, Role.SYSTEM_ADMIN)
        wanted = {p.id: p for p in site.places}
        counts = {"added": 0, "updated": 0, "doors": 0}
        for old in tx.uow.places.find():
            if old.id not in wanted:
                used = (
                    tx.uow.carriers.count(home_room=old.id)
                    + tx.uow.carriers.count(home_safe=old.id)
                    + tx.uow.carriers.count(location=old.id)
                )
                if used:
                    raise ConfigError(
                        f"{site.source}: place {old.id!r} is no longer in the site file but "
                        f"{used} carrier(s) still live or are there; transfer them first",
                        zh=f"{site.source}：场所 {old.id!r} 已从站点文件删除，但仍有{used}件载体"
                        "存放或位于该处，请先转移",
                    )
        for p in site.places:
            cur = tx.uow.places.get(p.id)
            if cur is None:
                tx.uow.places.add(p)
                counts["added"] += 1
            elif cur != p:
                cur.kind, cur.name, cur.parent = p.kind, p.name, p.parent
                cur.max_level, cur.room_kind = p.max_level, p.room_kind
                counts["updated"] += 1
        for dc in site.doors:
            d = dc.door
            cur_d = tx.uow.doors.get(d.id)
            if cur_d is None:
                tx.uow.doors.add(d)
            else:
                cur_d.name, cur_d.inner, cur_d.outer, cur_d.exit = d.name, d.inner, d.outer, d.exit
            counts["doors"] += 1
        tx.uow.settings.put(SITE_SETTING, text)
        sha256 = hashlib.sha256(text.encode()).hexdigest()
        tx.record(Action.SITE_LOAD, actor, reason=site.source, data={"sha256": sha256, **counts})
        adminlog.record(
            tx,
            AdminAction.SITE_LOAD,
            actor,
            site=site.id,
            sha256=sha256,
            **counts,
        )
        return counts
