"""Test helpers (placeholder)."""
