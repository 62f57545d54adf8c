"""Camera barcode scanning: capture, decoding, deduplication and safe/door scan logic."""
