"""What each role may open (the menu and the pages), and which actions it is offered.

One table: a role's row lists the sections it may open. The menu shows those sections in
:data:`SECTIONS` order, and every page belongs to one section, so a page a role may not
open is also absent from its menu. The three administrators are rows like the others.
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
    Section("registers", "/console/registers", "登记簿", "Registers"),
    Section("reading", "/console/reading", "阅文登记", "Reading desk"),  # R16
    Section("handling", "/console/handling", "绝密办理", "Top-secret handling"),  # R18
    Section("audit", "/console/audit", "审计", "Audit"),
)
BY_KEY = {s.key: s for s in SECTIONS}

_EVERYONE = ("dashboard", "carriers", "borrows", "alerts", "carry_outs", "copies", "destructions")

OPENS: dict[Role, frozenset[str]] = {
    Role.CUSTODIAN: frozenset(
        {*_EVERYONE, "desk", "receive", "inventories", "registers", "audit", "reading", "handling"}
    ),
    Role.OFFICER: frozenset(s.key for s in SECTIONS),
    Role.APPROVER: frozenset({*_EVERYONE, "inbox", "registers", "handling"}),
    Role.STAFF: frozenset(_EVERYONE),
    # The three administrators (三员) see no titles and approve nothing: the system
    # administrator the doors and readers, the security administrator the users' logins
    # and who is logged in, the auditor the administration log.
    Role.SYSTEM_ADMIN: frozenset({"dashboard"}),
    Role.SECURITY_ADMIN: frozenset({"audit"}),
    Role.SECURITY_AUDITOR: frozenset({"audit"}),
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
        "reading",  # R16: open and close reading sessions
        "handle",  # R18: record a top-secret receipt handled
    }
)
_APPROVING = frozenset({"approve", "reclassify", "declassify", "widen_scope", "instruct"})
_ANYONE = frozenset(
    {"request_borrow", "request_carry_out", "request_copy", "report_loss", "acknowledge", "witness"}
)
ACTIONS: dict[Role, frozenset[str]] = {
    Role.CUSTODIAN: _ANYONE | _KEEPING,
    Role.OFFICER: _ANYONE | _KEEPING | _APPROVING | {"verify", "live_sessions"},
    Role.APPROVER: _ANYONE | _APPROVING,
    Role.STAFF: _ANYONE,
    Role.SYSTEM_ADMIN: frozenset(),
    # The users' logins in the administration log (the API's review of their activity)
    # and who is logged in to the console.
    Role.SECURITY_ADMIN: frozenset({"read_user_logins", "live_sessions"}),
    Role.SECURITY_AUDITOR: frozenset({"read_admin_log", "verify_admin_log"}),
}


def roles_opening(section: str) -> frozenset[Role]:
    """The roles that may open pages of ``section``."""
    if section not in BY_KEY:
        raise KeyError(f"no console section {section!r}")
    return frozenset(r for r, keys in OPENS.items() if section in keys)


def home(role: Role) -> str:
    """Where ``role`` lands after logging in: its first menu entry."""
    entries = menu(role)
    return entries[0].path if entries else "/console/"


def menu(role: Role) -> list[Section]:
    """The menu of ``role``, in display order."""
    keys = OPENS.get(role, frozenset())
    return [s for s in SECTIONS if s.key in keys]


def may(role: Role, action: str) -> bool:
    """True when pages offer ``action`` to ``role``."""
    return action in ACTIONS.get(role, frozenset())
