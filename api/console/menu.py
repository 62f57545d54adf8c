"""What each role may open (the menu and the pages), and which actions it is offered.

One table: a role's row lists the sections it may open. The menu shows those sections in
:data:`SECTIONS` order, and every page belongs to one section, so a page a role may not
open is also absent from its menu. New roles (the three administrators) are new rows.
The services check every action again; :data:`ACTIONS` only decides which buttons and
forms a page offers."""

from __future__ import annotations

from dataclasses import dataclass

from api.auth import Role


@dataclass(frozen=True)
class Section:
    """A menu entry."""

    key: str
    path: str
    zh: str
    en: str

    def label(self, lang: str) -> str:
        """The entry's text in ``lang``."""
        return self.en if lang == "en" else self.zh


SECTIONS = (
    Section("dashboard", "/console/", "工作台", "Dashboard"),
    Section("desk", "/console/desk", "借还台", "Desk"),
    Section("inbox", "/console/inbox", "待审批", "Inbox"),
    Section("receive", "/console/receive", "接收", "Receive"),
    Section("carriers", "/console/carriers", "载体", "Carriers"),
    Section("borrows", "/console/borrows", "借阅", "Borrowing"),
    Section("alerts", "/console/alerts", "告警", "Alerts"),
    Section("carry_outs", "/console/carry-outs", "外出携带", "Carry-outs"),
    Section("copies", "/console/copies", "复制", "Copies"),
    Section("destructions", "/console/destructions", "销毁", "Destruction"),
    Section("inventories", "/console/inventories", "清查", "Inventories"),
    Section("meetings", "/console/meetings", "涉密会议", "Meetings"),
    Section("seals", "/console/seals", "封存", "Seals"),
    Section("audit", "/console/audit", "审计", "Audit"),
)
BY_KEY = {s.key: s for s in SECTIONS}

_EVERYONE = (
    "dashboard",
    "carriers",
    "borrows",
    "alerts",
    "carry_outs",
    "copies",
    "destructions",
    "meetings",  # R17: the meetings one attends (keepers: all)
)

OPENS: dict[Role, frozenset[str]] = {
    Role.CUSTODIAN: frozenset({*_EVERYONE, "desk", "receive", "inventories", "seals", "audit"}),
    Role.OFFICER: frozenset(s.key for s in SECTIONS),
    Role.APPROVER: frozenset({*_EVERYONE, "inbox"}),
    Role.STAFF: frozenset(_EVERYONE),
}

# Actions a page offers by role (the services decide; this only hides what would fail).
_KEEPING = frozenset(
    {
        "store",
        "transfer",
        "found",
        "label",
        "check_out",
        "return",
        "circulate",
        "resolve",
        "make_copies",
        "execute",
        "request_destruction",
        "return_carry_out",
        "inventory",
        "borrow_for_others",
        "meeting",  # R17: register meetings, hand out and collect materials, sweep
        "seal",  # R19: seal and unseal safes by hand
    }
)
_APPROVING = frozenset({"approve", "reclassify", "declassify", "widen_scope"})
_ANYONE = frozenset(
    {"request_borrow", "request_carry_out", "request_copy", "report_loss", "acknowledge", "witness"}
)
ACTIONS: dict[Role, frozenset[str]] = {
    Role.CUSTODIAN: _ANYONE | _KEEPING,
    Role.OFFICER: _ANYONE | _KEEPING | _APPROVING | {"verify"},
    Role.APPROVER: _ANYONE | _APPROVING,
    Role.STAFF: _ANYONE,
}


def roles_opening(section: str) -> frozenset[Role]:
    """The roles that may open pages of ``section``."""
    if section not in BY_KEY:
        raise KeyError(f"no console section {section!r}")
    return frozenset(r for r, keys in OPENS.items() if section in keys)


def menu(role: Role) -> list[Section]:
    """The menu of ``role``, in display order."""
    keys = OPENS.get(role, frozenset())
    return [s for s in SECTIONS if s.key in keys]


def may(role: Role, action: str) -> bool:
    """True when pages offer ``action`` to ``role``."""
    return action in ACTIONS.get(role, frozenset())
