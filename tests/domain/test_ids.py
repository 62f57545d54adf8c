"""Record ids: random version-4 UUIDs as 32 hex digits, as they always were."""

from __future__ import annotations

import uuid

from tracker.domain.model import new_id


def test_a_record_id_is_a_random_uuid4_in_32_hex_digits() -> None:
    ids = [new_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for i in ids:
        assert len(i) == 32 and i == i.lower()
        u = uuid.UUID(hex=i)
        assert u.hex == i
        assert u.version == 4 and u.variant == uuid.RFC_4122
