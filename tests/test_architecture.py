"""The import directions of ARCHITECTURE.md, checked on the source text."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_PARTY = {"tracker", "drivers", "api", "labels", "simulators"}
STDLIB = set(sys.stdlib_module_names) | {"__future__"}
# The composition root wires everything together and may import any layer.
COMPOSITION_ROOT = (
    "tracker/bootstrap.py",
    "tracker/cli/",
    "tracker/demo.py",
    "tracker/simulate.py",
    "tracker/protocols/builtin.py",  # binds each protocol's driver and simulator
    "tracker/protocols/output_builtin.py",  # ... and each relay board's
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from tracker import protocols`` imports tracker.protocols, not all of tracker
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _sources(package: str) -> list[Path]:
    return [
        p
        for p in sorted((ROOT / package).rglob("*.py"))
        if not any(str(p.relative_to(ROOT)).startswith(c) for c in COMPOSITION_ROOT)
    ]


def _violations(package: str, allowed: set[str], allow_third_party: bool) -> list[str]:
    bad = []
    for path in _sources(package):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in STDLIB:
                continue
            if top in FIRST_PARTY:
                if not any(name == a or name.startswith(a + ".") for a in allowed):
                    bad.append(f"{path.relative_to(ROOT)} imports {name}")
            elif not allow_third_party:
                bad.append(f"{path.relative_to(ROOT)} imports third-party {name}")
    return bad


def test_domain_imports_only_the_standard_library() -> None:
    assert _violations("tracker/domain", {"tracker.domain"}, allow_third_party=False) == []


def test_nothing_in_tracker_imports_api() -> None:
    bad = [
        f"{p.relative_to(ROOT)} imports {n}"
        for p in _sources("tracker")
        for n in _imports(p)
        if n.split(".")[0] in ("api", "simulators")
    ]
    assert bad == []


def test_store_imports_only_domain() -> None:
    assert _violations("tracker/store", {"tracker.domain", "tracker.store"}, True) == []


def test_services_import_domain_and_ports_only() -> None:
    allowed = {"tracker.domain", "tracker.services"}
    assert _violations("tracker/services", allowed, allow_third_party=False) == []


def test_drivers_import_domain_only() -> None:
    assert _violations("drivers", {"tracker.domain", "drivers"}, True) == []


def test_labels_import_domain_only() -> None:
    assert _violations("labels", {"tracker.domain", "labels"}, True) == []


def test_config_imports_only_domain_and_the_protocol_registry() -> None:
    allowed = {"tracker.domain", "tracker.config", "tracker.protocols"}
    assert _violations("tracker/config", allowed, allow_third_party=False) == []


def test_protocol_registry_imports_no_driver_or_simulator() -> None:
    allowed = {"tracker.domain", "tracker.config", "tracker.protocols", "drivers.reads"}
    assert _violations("tracker/protocols", allowed, allow_third_party=False) == []


def test_reading_the_site_file_loads_no_driver_simulator_or_pyserial() -> None:
    """The registrations import their drivers and simulators only when one is wanted."""
    code = (
        "import sys, tracker.config, tracker.protocols; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('serial', 'simulators', 'sqlalchemy') or m.startswith('drivers.') "
        "and m != 'drivers.reads'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_reports_import_domain_services_and_the_label_fonts_only() -> None:
    # An adapter: it lays out what the services decide (registers, statistics).
    allowed = {"tracker.domain", "tracker.services", "tracker.reports", "labels.fonts"}
    assert _violations("tracker/reports", allowed, True) == []


def test_simulators_never_import_api() -> None:
    allowed = {
        "tracker.domain",
        "tracker.config",
        "tracker.protocols",
        "drivers",
        "labels",
        "simulators",
    }
    assert _violations("simulators", allowed, True) == []


def test_only_the_transport_imports_pyserial() -> None:
    users = [
        str(p.relative_to(ROOT))
        for pkg in ("tracker", "drivers", "api", "labels", "simulators")
        for p in (ROOT / pkg).rglob("*.py")
        if any(n.split(".")[0] == "serial" for n in _imports(p))
    ]
    assert users in ([], ["drivers/transport.py"])


def test_the_api_and_the_command_line_keep_no_rule_logic() -> None:
    # Rules and need-to-know are the services' (tracker/services/knowledge.py for R3):
    # the API and the CLI call them and never judge a rule themselves.
    bad = [
        f"{p.relative_to(ROOT)} imports {n}"
        for pkg in ("api", "tracker/cli")
        for p in sorted((ROOT / pkg).rglob("*.py"))
        for n in _imports(p)
        if n == "tracker.domain.rules" or n.startswith("tracker.domain.rules.")
    ]
    assert bad == []


def _custody_assignments(path: Path) -> list[str]:
    # Assignments to a carrier's place or holder, or of a CarrierState to any ``state``.
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            flat = [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
            value = ast.unparse(node.value) if node.value is not None else ""
            for t in flat:
                if not isinstance(t, ast.Attribute):
                    continue
                carrier_state = t.attr == "state" and "CarrierState." in value
                if t.attr in ("location", "location_at", "holder") or carrier_state:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} sets .{t.attr}")
    return found


def test_only_the_lifecycle_changes_a_carriers_state_place_or_holder() -> None:
    # Issue 11: one carrier lifecycle; the store only maps rows to entities.
    bad = [
        hit
        for pkg in ("tracker", "api")
        for p in sorted((ROOT / pkg).rglob("*.py"))
        if str(p.relative_to(ROOT)) != "tracker/domain/lifecycle.py"
        and not str(p.relative_to(ROOT)).startswith("tracker/store/")
        for hit in _custody_assignments(p)
    ]
    assert bad == []
