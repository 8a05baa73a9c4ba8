"""The admin's Reflex states. Every page load and handler calls ``base.require_admin`` first."""
