"""Pure business rules: standard library only, so they are tested in milliseconds."""
