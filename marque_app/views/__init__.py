"""View types: the frozen dataclasses that services return and pages, components and states show.

Standard library only (no SQLModel, no Reflex), so a component can import the shape it renders
without loading the database layer; ``tests/unit/test_imports.py`` holds this line.
"""
