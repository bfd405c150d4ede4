"""Test support shared by every app's tests: builders of people and units (factories), the dossier and
field-report casts and their fixtures, the browser fixtures, and the helper that runs writers together.

The root conftest.py registers the fixture modules (pytest_plugins), so tests name fixtures without importing
them and import only builders and constants from here, never from another app's tests package."""
