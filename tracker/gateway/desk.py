"""Reading-desk logic (R16): which carriers lie on the desk, and each presentation of a
badge at it.

The desk's UHF readers judge which tags lie on it exactly as a safe's readers judge what
is in the safe (the same smoothing, :class:`~tracker.gateway.safe.SafeLogic`), but their
comings and goings are not movements: the desk is in the secure room and the carriers on
it are the reader's to read. What the desk reports is :class:`DeskBadge` — a badge held to
its reader, with the carriers on the desk at that moment. A badge reader repeats its frame
while the badge is held; reads of one badge closer together than ``hold_gap`` seconds are
one presentation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from drivers.reads import BadgeRead, TagRead
from tracker.config import Smoothing
from tracker.domain.model import Place, PlaceKind
from tracker.domain.site import DeskConfig, SafeConfig
from tracker.gateway.events import DeskBadge
from tracker.gateway.safe import SafeLogic

HOLD_GAP = 2.0  # seconds without a read of a badge that end its presentation


class DeskLogic:
    """The state of one reading desk; feed reads and ticks, get :class:`DeskBadge`."""

    def __init__(
        self,
        desk: DeskConfig,
        *,
        per_point: Mapping[str, Smoothing] | None = None,
        is_badge: Callable[[str], bool] | None = None,
        hold_gap: float = HOLD_GAP,
    ) -> None:
        self.desk = desk.id
        top = Place(desk.id, PlaceKind.SAFE, desk.name, desk.room)
        self._on_desk = SafeLogic(
            SafeConfig(top, desk.readers), per_point=per_point, is_badge=is_badge
        )
        self._badge_points = frozenset(desk.badge_readers)
        self._hold_gap = hold_gap
        self._held: dict[str, float] = {}  # badge -> its last read

    @property
    def read_points(self) -> frozenset[str]:
        """The desk's UHF and badge read points."""
        return self._on_desk.read_points | self._badge_points

    def present(self) -> tuple[str, ...]:
        """EPCs on the desk now, sorted."""
        return tuple(sorted(self._on_desk.present()))

    def held(self) -> frozenset[str]:
        """Badges whose presentation has not ended yet."""
        return frozenset(self._held)

    def on_tag(self, read: TagRead) -> list[DeskBadge]:
        """A UHF read: updates what lies on the desk (reports nothing itself)."""
        self._on_desk.on_tag(read)
        return []

    def on_badge(self, read: BadgeRead) -> list[DeskBadge]:
        """A badge read: a new presentation is reported with what lies on the desk."""
        if read.read_point not in self._badge_points:
            return []
        last = self._held.get(read.badge)
        self._held[read.badge] = read.at
        if last is not None and read.at - last < self._hold_gap:
            return []  # the same badge still held to the reader
        return [DeskBadge(self.desk, read.badge, self.present(), read.at)]

    def tick(self, now: float) -> list[DeskBadge]:
        """Let time pass: carriers taken off the desk, badges taken away."""
        self._on_desk.tick(now)
        for badge, last in list(self._held.items()):
            if now - last >= self._hold_gap:
                del self._held[badge]
        return []
