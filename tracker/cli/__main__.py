"""``python -m tracker.cli`` runs the command line."""

from tracker.cli.main import run

run()
