"""Offline verification of tergeu case-file bundles (docs/bundle.md in the tergeu repository)."""
