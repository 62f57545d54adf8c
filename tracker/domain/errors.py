"""The one exception tree of the project.

Every error raised on purpose by project code derives from :class:`TrackerError`.
Each layer has its own subtree (domain rules, storage, drivers, labels, printers,
cameras, configuration). Errors that are worth retrying derive from
:class:`TransientError` as well, so callers can tell "try again" from "report it".

Messages are bilingual: ``str(error)`` is the English text (logs are English);
``error.zh`` is the Chinese text shown to users by default.
"""

from __future__ import annotations


class TrackerError(Exception):
    """Root of every error the project raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, zh: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.zh = zh or message

    def text(self, lang: str = "zh") -> str:
        """The message in ``lang`` (``zh`` or ``en``)."""
        return self.zh if lang.startswith("zh") else self.message


class TransientError(TrackerError):
    """A failure that may go away by itself: retry with backoff."""

    code = "transient"


# --- domain ---------------------------------------------------------------


class DomainError(TrackerError):
    """A request the domain refuses."""

    code = "domain_error"


class InvalidInput(DomainError):
    """A value is malformed or out of range; ``field`` names where."""

    code = "invalid_input"

    def __init__(self, field: str, message: str, *, zh: str | None = None) -> None:
        super().__init__(f"{field}: {message}", zh=f"{field}：{zh or message}")
        self.field = field


class RuleViolation(DomainError):
    """A secrecy rule (R1-R15 of the specification) forbids the request."""

    code = "rule_violation"

    def __init__(self, rule: str, message: str, *, zh: str | None = None) -> None:
        super().__init__(f"{rule}: {message}", zh=f"{rule}：{zh or message}")
        self.rule = rule


class NotFound(DomainError):
    """The named thing does not exist (or the caller may not know it exists)."""

    code = "not_found"


class Conflict(DomainError):
    """The request does not fit the current state (e.g. returning a carrier not out)."""

    code = "conflict"


class ForbiddenTransition(Conflict):
    """A step the carrier lifecycle does not allow from the carrier's state; the message
    names the state it is in, the state the step leads to, and the rule."""

    def __init__(
        self, rule: str, message: str, *, zh: str, state: str, target: str, step: str
    ) -> None:
        super().__init__(f"{rule}: {message}", zh=f"{rule}：{zh}")
        self.rule = rule
        self.state = state
        self.target = target
        self.step = step


class PermissionDenied(DomainError):
    """The caller's role does not allow the request."""

    code = "forbidden"


class Unauthenticated(PermissionDenied):
    """No valid credentials: a wrong user name or password, or no valid token."""

    code = "unauthenticated"


class TooManyAttempts(PermissionDenied):
    """Too many failed logins from one address for one user name: refused for
    ``retry_after`` seconds without checking the password."""

    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        wait = f"{retry_after} s" if retry_after < 120 else f"{retry_after // 60} min"
        wait_zh = f"{retry_after}秒" if retry_after < 120 else f"{retry_after // 60}分钟"
        super().__init__(
            f"too many failed logins; try again in {wait}",
            zh=f"登录失败次数过多，请{wait_zh}后再试",
        )
        self.retry_after = retry_after


# --- configuration ---------------------------------------------------------


class ConfigError(TrackerError):
    """A configuration or site file is invalid; the message names file and key."""

    code = "config_error"


# --- storage ----------------------------------------------------------------


class StoreError(TrackerError):
    """The database refused or failed."""

    code = "store_error"


class StoreUnavailable(StoreError, TransientError):
    """The database cannot be reached right now."""

    code = "store_unavailable"


class LedgerError(StoreError):
    """The custody ledger is broken or its key is missing."""

    code = "ledger_error"


# --- hardware ---------------------------------------------------------------


class DeviceError(TrackerError):
    """Root of hardware errors (readers, cameras, printers)."""

    code = "device_error"


class DeviceUnavailable(DeviceError, TransientError):
    """A device is unplugged, offline or busy; reconnecting may help."""

    code = "device_unavailable"


class FrameError(DeviceError):
    """Bytes from a device do not form a valid frame."""

    code = "frame_error"


class PrinterError(DeviceError):
    """A printer refused or failed a job (paper out, head open, RFID encode failed)."""

    code = "printer_error"


class CameraError(DeviceError):
    """A camera or image source cannot be read."""

    code = "camera_error"


class LabelError(TrackerError):
    """A label cannot be laid out or rendered (e.g. no CJK font installed)."""

    code = "label_error"


class ReportError(TrackerError):
    """A register or report file cannot be written (the writing library failed)."""

    code = "report_error"
