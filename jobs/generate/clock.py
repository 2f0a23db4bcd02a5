"""Business-time arithmetic on epoch seconds, independent of the session time zone.

Records are planned in local wall-clock time of the business zone (day + second of
day), stored as UTC epoch seconds, and landed as ISO-8601 UTC strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from pyspark.sql import Column
from pyspark.sql import functions as F

from jobs.generate.draws import cumulative

SECONDS_PER_DAY = 86400
EPOCH_TEXT = "1970-01-01 00:00:00"

Window = tuple[int, int, float]


def end_of_day_epoch(day: dt.date, timezone: str) -> int:
    """UTC epoch second of the last second of `day` in the business zone."""
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0),
                                   tzinfo=ZoneInfo(timezone))
    return int(midnight.timestamp()) - 1


def local_epoch(day: Column, second_of_day: Column) -> Column:
    """Seconds since the epoch of a local wall-clock time, read as if it were UTC."""
    return F.unix_date(day).cast("long") * SECONDS_PER_DAY + second_of_day.cast("long")


def utc_epoch(local: Column, timezone: str) -> Column:
    """The UTC epoch second of a local wall-clock time of the business zone."""
    return F.unix_seconds(F.to_utc_timestamp(F.timestamp_seconds(local), timezone))


def business_date(utc: Column, timezone: str) -> Column:
    """The calendar date in the business zone of a UTC epoch second."""
    local = F.unix_seconds(F.from_utc_timestamp(F.timestamp_seconds(utc), timezone))
    return F.date_from_unix_date(F.floor(local / SECONDS_PER_DAY).cast("int"))


def iso_utc(utc: Column) -> Column:
    """'YYYY-MM-DDTHH:MM:SSZ' of a UTC epoch second (formatted as a zone-less timestamp, so
    the session time zone plays no part)."""
    wall_clock = F.lit(EPOCH_TEXT).cast("timestamp_ntz") + F.make_dt_interval(secs=utc)
    return F.date_format(wall_clock, "yyyy-MM-dd'T'HH:mm:ss'Z'")


def is_weekend(day: Column) -> Column:
    return F.dayofweek(day).isin(1, 7)


def _second_in_windows(u_window: Column, u_second: Column, windows: Sequence[Window]) -> Column:
    bounds = cumulative([weight for _, _, weight in windows])

    def second_in(start: int, end: int) -> Column:
        return F.lit(start * 60) + F.floor(u_second * ((end - start) * 60))

    expr = None
    for (start, end, _), bound in zip(windows[:-1], bounds[:-1], strict=True):
        branch = u_window < bound
        value = second_in(start, end)
        expr = F.when(branch, value) if expr is None else expr.when(branch, value)
    last = second_in(windows[-1][0], windows[-1][1])
    return last if expr is None else expr.otherwise(last)


def second_of_day(profiles: Mapping[str, tuple[Sequence[Window], Sequence[Window]]],
                  profile: Column, weekend: Column, u_window: Column,
                  u_second: Column) -> Column:
    """A local second of the day drawn from the user's time profile (weekday or weekend)."""
    expr = None
    for name, (weekday_windows, weekend_windows) in profiles.items():
        for flag, windows in ((False, weekday_windows), (True, weekend_windows)):
            branch = (profile == name) & (weekend == F.lit(flag))
            value = _second_in_windows(u_window, u_second, windows)
            expr = F.when(branch, value) if expr is None else expr.when(branch, value)
    return expr.cast("int")
