"""Saved scenarios: a base policy plus named overrides, stored with their run fingerprint in SQLite."""
