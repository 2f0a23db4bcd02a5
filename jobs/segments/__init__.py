"""The segment families of SEGMENTS.md, one module per family.

Each family module exposes two transforms over the user profile of one snapshot:

- ``with_<family>_columns(cfg)``: adds the family's derived profile columns
  (e.g. ``lifecycle_stage``, ``dominant_slot``, ``rfm_r_score``);
- ``<family>_memberships(cfg)``: returns one row per user per segment held,
  ``(snapshot_date, user_key, family, segment)`` (see ``jobs.segments.base``).

The window features they read are named ``<metric>_<N>d`` and are listed in
``jobs.segments.base.PROFILE_FEATURES``.
"""
