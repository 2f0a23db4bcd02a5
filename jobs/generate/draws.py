"""Deterministic random draws as Spark columns.

Every choice is a hash of the seed, a salt naming the choice, and the row's key
columns, so a row's values never depend on partitioning or on the order of the rows
(F.rand() would). Python-side helpers only shape literal weights.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pyspark.sql import Column
from pyspark.sql import functions as F

_SCALE = 1 << 53  # doubles hold every integer below this exactly


def _col(value: Any) -> Column:
    return value if isinstance(value, Column) else F.lit(value)


def key_hash(seed: int, salt: str, *keys: Column) -> Column:
    """A 64-bit hash of the seed, the salt and the key columns."""
    return F.xxhash64(F.lit(seed), F.lit(salt), *keys)


def uniform(seed: int, salt: str, *keys: Column) -> Column:
    """A uniform double in [0, 1), fixed by the seed, the salt and the keys."""
    return F.pmod(key_hash(seed, salt, *keys), F.lit(_SCALE)) / F.lit(float(_SCALE))


def between(u: Column, low: Any, high: Any) -> Column:
    """An integer in [low, high], both ends included, from a uniform."""
    low_col, high_col = _col(low), _col(high)
    return (low_col + F.floor(u * (high_col - low_col + 1))).cast("int")


def scaled(u: Column, low: Any, high: Any) -> Column:
    """A double in [low, high) from a uniform."""
    low_col = _col(low)
    return low_col + u * (_col(high) - low_col)


def cumulative(weights: Sequence[float]) -> list[float]:
    """Normalised running totals, the last exactly 1.0."""
    total = float(sum(weights))
    running, out = 0.0, []
    for weight in weights:
        running += weight
        out.append(running / total)
    last_real = max(i for i, weight in enumerate(weights) if weight > 0)
    return out[:last_real] + [1.0] * (len(out) - last_real)


def pick(u: Column, weighted: Mapping[Any, float] | Sequence[tuple[Any, float]]) -> Column:
    """The value whose band of normalised cumulative weight holds u."""
    pairs = list(weighted.items()) if isinstance(weighted, Mapping) else list(weighted)
    bounds = cumulative([weight for _, weight in pairs])
    if len(pairs) == 1:
        return F.lit(pairs[0][0])
    expr = F.when(u < bounds[0], F.lit(pairs[0][0]))
    for (value, _), bound in zip(pairs[1:-1], bounds[1:-1], strict=True):
        expr = expr.when(u < bound, F.lit(value))
    return expr.otherwise(F.lit(pairs[-1][0]))


def pick_by(u: Column, values: Sequence[Any], bounds: Column) -> Column:
    """values[i] for the first i with u < bounds[i]; bounds is an array column ending at 1."""
    expr = F.when(u < F.element_at(bounds, 1), F.lit(values[0]))
    for position, value in enumerate(values[1:-1], start=2):
        expr = expr.when(u < F.element_at(bounds, position), F.lit(value))
    return expr.otherwise(F.lit(values[-1]))


def element(u: Column, values: Sequence[Any]) -> Column:
    """One of the literal values, all equally likely."""
    options = F.array(*[F.lit(value) for value in values])
    return F.element_at(options, (F.floor(u * len(values)) + 1).cast("int"))


def hex_id(prefix: str, seed: int, salt: str, *keys: Column) -> Column:
    """A 96-bit hexadecimal identifier: unique in practice, reveals none of its keys."""
    high = key_hash(seed, salt, *keys)
    low = key_hash(seed, f"{salt}/low", *keys).bitwiseAND(F.lit(0xFFFFFFFF))
    return F.concat(F.lit(prefix), F.lower(F.lpad(F.hex(high), 16, "0")),
                    F.lower(F.lpad(F.hex(low), 8, "0")))


def padded(prefix: str, number: Column, width: int) -> Column:
    """prefix + the number zero-padded to width digits (format_string is much slower)."""
    return F.concat(F.lit(prefix), F.lpad(number.cast("string"), width, "0"))


def ip_address(hashed: Column) -> Column:
    """A dotted IPv4 address from the bytes of a 64-bit hash."""
    def octet(shift: int, low: int, span: int) -> Column:
        return (F.pmod(F.shiftright(hashed, shift), F.lit(span)) + low).cast("string")
    return F.concat_ws(".", octet(0, 1, 223), octet(8, 0, 256), octet(16, 0, 256),
                       octet(24, 1, 254))
