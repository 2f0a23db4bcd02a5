"""Which columns identify a person, by name, in every table of the lakehouse.

One list, read by two things: ``TableSpec`` keeps no Delta column statistics for these
columns (a file's min/max of ``user_id`` in ``_delta_log`` is a user id that survives a
DELETE and a VACUUM), and the erasure job (jobs/erasure) finds every table and column
it must clean from the table declarations, so a new table cannot be forgotten.
"""

from __future__ import annotations

# A raw user id (bronze): the row belongs to, or names, the user.
RAW_ID_COLUMNS = ("user_id", "friend_id")
# A pseudonym (silver, staging, gold): the row belongs to, or names, the user.
KEY_COLUMNS = ("user_key", "friend_key")
# Another row's user_key used as a group's label (the smallest key of a tight circle):
# the row belongs to someone else, the label is re-pointed to a remaining member.
KEY_LABEL_COLUMNS = ("tight_circle_id",)
# Direct identifiers reached through the row's user id (bronze only).
CONTACT_COLUMNS = ("phone", "nickname", "ip")
# Raw landed text: the row is the user's when it names the user's id.
RAW_TEXT_COLUMNS = ("raw_record",)
# Free text that may quote a value as an example (quality results, audit verdicts):
# redacted in place.
EXAMPLE_COLUMNS = ("observed_value", "unexpected_examples", "failures", "warnings")

IDENTIFIER_COLUMNS: frozenset[str] = frozenset(
    RAW_ID_COLUMNS + KEY_COLUMNS + KEY_LABEL_COLUMNS + CONTACT_COLUMNS + RAW_TEXT_COLUMNS
    + EXAMPLE_COLUMNS)
