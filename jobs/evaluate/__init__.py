"""Stage evaluate: membership history and its day's events (history.py), segment overlap
(overlap.py), the hash-based holdout and the A/B effect of each segment (holdout.py,
effect.py), over the published gold tables and silver follow-up activity."""
