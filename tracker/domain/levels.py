"""Classification levels (密级) and people's clearance (涉密等级)."""

from __future__ import annotations

from enum import Enum

from tracker.domain.errors import InvalidInput


class _Ranked(Enum):
    """Enum members compared by ``rank`` (not by their string values)."""

    @property
    def rank(self) -> int:
        raise NotImplementedError

    def _cmp(self, other: object) -> int | None:
        if type(other) is not type(self):
            return None
        assert isinstance(other, _Ranked)
        return self.rank - other.rank

    def __lt__(self, other: object) -> bool:
        d = self._cmp(other)
        return NotImplemented if d is None else d < 0

    def __le__(self, other: object) -> bool:
        d = self._cmp(other)
        return NotImplemented if d is None else d <= 0

    def __gt__(self, other: object) -> bool:
        d = self._cmp(other)
        return NotImplemented if d is None else d > 0

    def __ge__(self, other: object) -> bool:
        d = self._cmp(other)
        return NotImplemented if d is None else d >= 0

    def __hash__(self) -> int:
        return hash(self.value)


class Level(_Ranked):
    """Classification level of a carrier, ordered ``top_secret`` > ... > ``internal``."""

    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    SECRET = "secret"
    TOP_SECRET = "top_secret"

    @property
    def rank(self) -> int:
        """0 for internal up to 3 for top secret."""
        return _LEVEL_RANK[self]

    @property
    def zh(self) -> str:
        """The Chinese name as printed in markings: 绝密 / 机密 / 秘密 / 内部."""
        return _LEVEL_ZH[self]

    @property
    def en(self) -> str:
        """The English name as printed in English markings."""
        return _LEVEL_EN[self]

    @property
    def max_period_years(self) -> int | None:
        """Longest secrecy period allowed (保密期限最长): 30 / 20 / 10 years; none for internal."""
        return _MAX_YEARS[self]

    @property
    def classified(self) -> bool:
        """True for confidential and above (国家秘密)."""
        return self is not Level.INTERNAL

    @classmethod
    def parse(cls, value: str, field: str = "level") -> Level:
        """Parse an English identifier (``secret``) or Chinese name (``机密``)."""
        text = value.strip()
        for level in cls:
            if text in (level.value, level.zh, level.name.lower()):
                return level
        names = ", ".join(lv.value for lv in cls)
        raise InvalidInput(
            field,
            f"unknown classification level {value!r} (expected one of {names})",
            zh=f"未知密级 {value!r}（应为 {names}）",
        )


_LEVEL_RANK = {Level.INTERNAL: 0, Level.CONFIDENTIAL: 1, Level.SECRET: 2, Level.TOP_SECRET: 3}
_LEVEL_ZH = {
    Level.INTERNAL: "内部",
    Level.CONFIDENTIAL: "秘密",
    Level.SECRET: "机密",
    Level.TOP_SECRET: "绝密",
}
_LEVEL_EN = {
    Level.INTERNAL: "INTERNAL",
    Level.CONFIDENTIAL: "CONFIDENTIAL",
    Level.SECRET: "SECRET",
    Level.TOP_SECRET: "TOP SECRET",
}
_MAX_YEARS: dict[Level, int | None] = {
    Level.INTERNAL: None,
    Level.CONFIDENTIAL: 10,
    Level.SECRET: 20,
    Level.TOP_SECRET: 30,
}


class Clearance(_Ranked):
    """A person's clearance: core (核心) may hold top secret, important (重要) secret,
    general (一般) confidential. Everyone may hold internal material."""

    GENERAL = "general"
    IMPORTANT = "important"
    CORE = "core"

    @property
    def highest_level(self) -> Level:
        """The highest classification level this clearance covers."""
        return _CLEARANCE_COVERS[self]

    def covers(self, level: Level) -> bool:
        """True when a person with this clearance may hold a carrier of ``level``."""
        return level <= self.highest_level

    @property
    def decommission_years(self) -> int:
        """Length of the decommissioning period (脱密期) after leaving the post: 3 / 2 / 1."""
        return _DECOMMISSION[self]

    @property
    def zh(self) -> str:
        """Chinese name: 核心 / 重要 / 一般."""
        return _CLEARANCE_ZH[self]

    @property
    def rank(self) -> int:
        """Order of clearances: general < important < core."""
        return self.highest_level.rank

    @classmethod
    def parse(cls, value: str, field: str = "clearance") -> Clearance:
        """Parse ``core`` / ``important`` / ``general`` or 核心 / 重要 / 一般."""
        text = value.strip()
        for c in cls:
            if text in (c.value, c.zh):
                return c
        names = ", ".join(c.value for c in cls)
        raise InvalidInput(
            field,
            f"unknown clearance {value!r} (expected one of {names})",
            zh=f"未知涉密等级 {value!r}（应为 {names}）",
        )


_CLEARANCE_COVERS = {
    Clearance.GENERAL: Level.CONFIDENTIAL,
    Clearance.IMPORTANT: Level.SECRET,
    Clearance.CORE: Level.TOP_SECRET,
}
_CLEARANCE_ZH = {Clearance.GENERAL: "一般", Clearance.IMPORTANT: "重要", Clearance.CORE: "核心"}
_DECOMMISSION = {Clearance.GENERAL: 1, Clearance.IMPORTANT: 2, Clearance.CORE: 3}
