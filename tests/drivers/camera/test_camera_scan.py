"""Deduplication, safe in/out, door scans and the shielded-tag correlator."""

from __future__ import annotations

import pytest

from drivers.camera.decode import Code, make_decoder
from drivers.camera.dedup import Deduplicator
from drivers.camera.scan import (
    DoorScan,
    DoorScanner,
    RfidSighting,
    SafeScan,
    SafeScanner,
    ShieldCorrelator,
    ShieldedSuspect,
    find_shielded,
)
from simulators.camera import CameraSimulator
from tracker.domain.errors import ConfigError, NotFound

A = Code("DataMatrix", "JM-2026-000001")
A128 = Code("Code128", "JM-2026-000001")
B = Code("DataMatrix", "JM-2026-000002")


# --- deduplication -----------------------------------------------------------------


def test_repeated_reads_within_the_window_are_one_scan():
    d = Deduplicator(window=2.0)
    assert d.accept(A, 0.0)
    assert not d.accept(A, 0.5)
    assert not d.accept(A128, 0.6)  # the label's other code carries the same serial
    assert d.accept(B, 0.7)
    assert d.accept(A, 3.0)  # unseen for 2.4 s > window: shown again


def test_a_label_held_in_view_stays_one_scan():
    d = Deduplicator(window=2.0)
    accepted = [d.accept(A, t / 10) for t in range(0, 100)]  # 10 s at 10 reads/s
    assert accepted.count(True) == 1


def test_filter_returns_one_code_per_key_per_frame():
    d = Deduplicator(window=1.0)
    assert d.filter([A, A128, B], 0.0) == [A, B]
    assert d.filter([A, B], 0.5) == []
    assert d.filter([A], 2.0) == [A]


def test_dedup_by_format_and_text_when_asked():
    d = Deduplicator(window=1.0, key=lambda c: f"{c.format}:{c.text}")
    assert d.filter([A, A128], 0.0) == [A, A128]


def test_dedup_forgets_old_keys():
    d = Deduplicator(window=1.0)
    for i in range(100):
        d.accept(Code("QR", f"x{i}"), float(i))
    assert len(d._last) <= 3
    with pytest.raises(ValueError):
        Deduplicator(window=-1)


# --- safe ---------------------------------------------------------------------------


def test_fixed_mode_safes():
    inn = SafeScanner("cam-in", "safe-1", "in")
    out = SafeScanner("cam-out", "safe-1", "out")
    assert inn.scan(A, 1.0) == SafeScan("cam-in", "safe-1", A.text, "in", 1.0, "DataMatrix")
    assert inn.scan(A, 9.0, known="in").action == "in"  # mode wins over the register
    assert out.scan(A, 1.0, known="out").action == "out"


def test_toggle_safe_flips_on_each_distinct_scan():
    safe = SafeScanner("cam", "safe-1", "toggle", window=2.0)
    assert safe.scan(A, 0.0).action == "in"  # first sight: being put away
    assert safe.scan(A, 1.0) is None  # still the same scan (held in view)
    assert safe.scan(A, 5.0).action == "out"
    assert safe.scan(A, 10.0).action == "in"
    assert safe.scan(B, 10.0).action == "in"  # per carrier


def test_toggle_uses_where_the_register_says_the_carrier_is():
    safe = SafeScanner("cam", "safe-1", "toggle")
    assert safe.scan(A, 0.0, known="out").action == "in"
    assert safe.scan(B, 0.0, known="in").action == "out"
    # The register beats the scanner's memory (e.g. A was taken out another way).
    assert safe.scan(A, 5.0, known="out").action == "in"


def test_toggle_first_action_is_configurable():
    safe = SafeScanner("cam", "safe-1", "toggle", first_action="out")
    assert safe.scan(A, 0.0).action == "out"
    assert safe.scan(A, 5.0).action == "in"


def test_feed_asks_the_register_and_survives_foreign_codes():
    register = {A.text: "in"}

    def known(code: str):
        if code not in register:
            raise NotFound(f"no carrier {code}")
        return register[code]

    safe = SafeScanner("cam", "safe-1")
    foreign = Code("QR", "https://example.org/not-ours")
    scans = safe.feed([A, A128, foreign], 0.0, known)
    assert [(s.code, s.action) for s in scans] == [(A.text, "out"), (foreign.text, "in")]


def test_bad_safe_configuration_is_a_config_error():
    with pytest.raises(ConfigError, match="safe-9"):
        SafeScanner("cam", "safe-9", "sideways")
    with pytest.raises(ConfigError, match="first_action"):
        SafeScanner("cam", "safe-9", "toggle", first_action="maybe")


# --- door and shielded tags ----------------------------------------------------------


def test_door_scanner_deduplicates():
    door = DoorScanner("cam-d1", "door-1", window=2.0)
    assert door.feed([A, A128], 10.0) == [DoorScan("cam-d1", "door-1", A.text, 10.0, "DataMatrix")]
    assert door.feed([A], 11.0) == []


def test_camera_scan_without_rfid_sighting_is_a_shielded_suspect():
    scans = [DoorScan("cam", "door-1", A.text, 100.0)]
    assert find_shielded(scans, [], window=3.0) == [ShieldedSuspect("door-1", A.text, 100.0, "cam")]


def test_camera_scan_with_rfid_sighting_is_not_suspect():
    scans = [DoorScan("cam", "door-1", A.text, 100.0)]
    assert find_shielded(scans, [("door-1", A.text, 102.5)], window=3.0) == []
    assert find_shielded(scans, [RfidSighting("door-1", A.text, 97.0)], window=3.0) == []


def test_sightings_count_only_at_the_same_door_and_within_the_window():
    scans = [DoorScan("cam", "door-1", A.text, 100.0)]
    elsewhere = [("door-2", A.text, 100.0)]
    too_late = [("door-1", A.text, 103.5)]
    other_tag = [("door-1", B.text, 100.0)]
    for sightings in (elsewhere, too_late, other_tag):
        assert len(find_shielded(scans, sightings, window=3.0)) == 1


def test_identities_map_a_serial_to_its_epc_and_foreign_codes_do_not_raise():
    epc = {A.text: "3414257BF40000000000007B"}

    def identities(code: str):
        return [epc[code]]  # KeyError for a foreign code

    scans = [
        DoorScan("cam", "door-1", A.text, 50.0),
        DoorScan("cam", "door-1", "FOREIGN-LABEL", 51.0),
    ]
    sightings = [("door-1", "3414257BF40000000000007B", 50.4)]
    suspects = find_shielded(scans, sightings, window=2.0, identities=identities)
    assert suspects == [ShieldedSuspect("door-1", "FOREIGN-LABEL", 51.0, "cam")]


def test_live_correlator_waits_for_the_window_before_judging():
    corr = ShieldCorrelator(window=2.0)
    corr.add_scan(DoorScan("cam", "door-1", A.text, 10.0))
    corr.add_scan(DoorScan("cam", "door-1", B.text, 10.5))
    assert corr.poll(11.0) == []  # too early: an RFID read may still come
    corr.add_sighting("door-1", A.text, 11.5)  # the RFID read comes after the scan
    assert corr.poll(12.1) == []  # A judged: sighting within the window
    assert corr.poll(12.6) == [ShieldedSuspect("door-1", B.text, 10.5, "cam")]
    assert corr.poll(20.0) == []  # judged once


def test_simulated_door_frames_end_to_end_to_a_shielded_suspect():
    serial = "JM-2026-000321"
    sim = CameraSimulator([serial], levels=["rotated"], seed=4, renderer="stand-in")
    door = DoorScanner("cam-d1", "door-1")
    decoder = make_decoder()
    scans = []
    for i, frame in enumerate(sim.frames(3)):
        scans += door.feed(decoder.decode(frame.image), at=100.0 + i / 30)
    assert [s.code for s in scans] == [serial]  # three frames, one scan
    assert find_shielded(scans, [], window=5.0)[0].code == serial
    assert find_shielded(scans, [("door-1", serial, 101.0)], window=5.0) == []
