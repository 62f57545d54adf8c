"""Delivering notifications: SMTP email and signed webhooks, with retries from the outbox.
This package does I/O (sockets); the decision of who is told lives in
:mod:`tracker.services.notifying`."""
