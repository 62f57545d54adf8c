"""Property: random bytes with valid frames inserted at random places, split at random
read() boundaries → each framer yields exactly the inserted frames, in order."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.em4100 import DecimalLine, DecimalLineFramer, Rdm6300Frame, Rdm6300Framer
from drivers.framing import Framer
from drivers.m100 import (
    ErrorResponse,
    M100Framer,
    M100Message,
    StopResponse,
    TagNotification,
)

epcs = st.integers(1, 31).flatmap(lambda words: st.binary(min_size=2 * words, max_size=2 * words))
notifications = st.builds(TagNotification.build, epcs, st.integers(-100, -20))
m100_messages: st.SearchStrategy[M100Message] = st.one_of(
    notifications,
    st.builds(StopResponse, st.integers(0, 255)),
    st.builds(ErrorResponse, st.integers(0, 255)),
)


def junk(
    valid: st.SearchStrategy[bytes],
    header: st.SearchStrategy[bytes],
    framer: Callable[[], Framer[object]],
) -> st.SearchStrategy[bytes]:
    """Noise that looks like frames: random bytes, cut-off valid frames, bare headers —
    the cases that exercise resynchronisation, not just skipping. Noise that happens to
    hold a whole valid frame (random bytes can spell one, checksum and all) is not
    noise: a framer must yield it, so such draws are left out."""
    piece = st.one_of(
        st.binary(max_size=12),
        valid.flatmap(lambda f: st.integers(1, len(f) - 1).map(lambda n: f[:n])),
        header,
    )

    def holds_no_frame(noise: bytes) -> bool:
        f = framer()
        return not [*f.feed(noise), *f.on_idle()]

    return st.lists(piece, max_size=4).map(b"".join).filter(holds_no_frame)


m100_headers = st.tuples(st.integers(0, 3), st.integers(0, 255), st.integers(0, 40)).map(
    lambda t: bytes((0xBB, t[0], t[1], 0, t[2]))
)
m100_junk = junk(m100_messages.map(lambda m: m.to_bytes()), m100_headers, M100Framer)
rdm_junk = junk(
    st.binary(min_size=5, max_size=5).map(lambda c: Rdm6300Frame(c).to_bytes()),
    st.binary(max_size=12).map(lambda b: b"\x02" + b.hex().upper().encode()[:12]),
    Rdm6300Framer,
)


def interleave(data: st.DataObject, frames: list[bytes], noise: st.SearchStrategy[bytes]) -> bytes:
    stream = bytearray()
    for frame in frames:
        stream += data.draw(noise)
        stream += frame
    stream += data.draw(noise)
    return bytes(stream)


def chunks(data: st.DataObject, stream: bytes) -> list[bytes]:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=20)))
    bounds = [0, *cuts, len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=300, deadline=None)
@given(st.data(), st.lists(m100_messages, max_size=8))
def test_m100_framer_finds_exactly_the_inserted_frames(
    data: st.DataObject, messages: list[M100Message]
) -> None:
    stream = interleave(data, [m.to_bytes() for m in messages], m100_junk)
    framer = M100Framer()
    got: list[M100Message] = []
    for chunk in chunks(data, stream):
        got += framer.feed(chunk)
    got += framer.on_idle()
    assert got == messages


@settings(max_examples=300, deadline=None)
@given(st.data(), st.lists(st.binary(min_size=5, max_size=5), max_size=8))
def test_rdm6300_framer_finds_exactly_the_inserted_frames(
    data: st.DataObject, cards: list[bytes]
) -> None:
    frames = [Rdm6300Frame(c) for c in cards]
    stream = interleave(data, [f.to_bytes() for f in frames], rdm_junk)
    framer = Rdm6300Framer()
    got: list[Rdm6300Frame] = []
    for chunk in chunks(data, stream):
        got += framer.feed(chunk)
    got += framer.on_idle()
    assert got == frames


# A decimal line has no checksum: digits glued to it would change the number, so the
# noise here is anything but digits (CR/LF included).
non_digits = st.binary(max_size=30).map(lambda b: bytes(x for x in b if not 0x30 <= x <= 0x39))


@settings(max_examples=300, deadline=None)
@given(st.data(), st.lists(st.integers(0, 0xFFFFFFFF), max_size=8))
def test_decimal_framer_finds_exactly_the_inserted_lines(
    data: st.DataObject, values: list[int]
) -> None:
    lines = [DecimalLine(v) for v in values]
    stream = interleave(data, [line.to_bytes() for line in lines], non_digits)
    framer = DecimalLineFramer()
    got: list[DecimalLine] = []
    for chunk in chunks(data, stream):
        got += framer.feed(chunk)
    assert got == lines
