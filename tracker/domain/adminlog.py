"""The administration log: what the three administrators and the logins did.

A second tamper-evident chain beside the custody register, sealed the same way
(:mod:`tracker.domain.ledger`: hash chain, HMAC, sealed head) under a key of its own
derived from the ledger key. Entries name people, logins, devices, client addresses and
what changed - never a carrier's title, a note, a search text, a password or a token.
The security auditor reads and verifies it; nobody can change it.
"""

from __future__ import annotations

from enum import Enum

# The administration log's key is derived from the ledger key for this purpose, so an
# entry sealed for one chain never verifies in the other.
KEY_PURPOSE = "administration-log"


class AdminAction(str, Enum):
    """What an administration-log entry records."""

    LOGIN = "login"  # a password login succeeded
    LOGIN_FAILED = "login_failed"  # wrong user name or password
    LOGIN_REFUSED = "login_refused"  # refused without checking: throttled
    LOGOUT = "logout"
    UNLOCK = "unlock"  # the security administrator cleared a login's throttle
    PERSON_ADD = "person_add"
    PERSON_UPDATE = "person_update"  # department, email
    ROLE_CHANGE = "role_change"
    CLEARANCE_CHANGE = "clearance_change"
    LEAVE_POST = "leave_post"
    BADGE_ADD = "badge_add"
    BADGE_REVOKE = "badge_revoke"
    USER_ADD = "user_add"
    USER_PASSWORD = "user_password"
    USER_DISABLE = "user_disable"
    USER_ENABLE = "user_enable"
    DEVICE_ADD = "device_add"
    DEVICE_ROTATE = "device_rotate"
    DEVICE_REVOKE = "device_revoke"
    SITE_LOAD = "site_load"
    SETTING_CHANGE = "setting_change"
    EXPORT = "export"


LOGIN_ACTIONS = frozenset({AdminAction.LOGIN, AdminAction.LOGIN_FAILED, AdminAction.LOGIN_REFUSED})
# The ordinary users' own activity, which the security administrator reviews: their
# logins and logouts and what they exported. Everything else is the administrators'
# doing, and that is the security auditor's to read.
USER_ACTIVITY = LOGIN_ACTIONS | {AdminAction.LOGOUT, AdminAction.EXPORT}
