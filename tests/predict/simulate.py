"""Customers simulated from known BG/NBD and Gamma-Gamma parameters (numpy, seeded)."""

from __future__ import annotations

import numpy as np


def simulate_bgnbd(r: float, alpha: float, a: float, b: float, big_t: np.ndarray,
                   seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(x, t_x) per customer observed for big_t[i] units after a first purchase at 0.

    Poisson purchases at rate lambda ~ Gamma(r, rate alpha); after each repeat purchase
    the customer drops out with probability p ~ Beta(a, b) (never after the first one).
    """
    rng = np.random.default_rng(seed)
    size = len(big_t)
    rate = rng.gamma(r, 1.0 / alpha, size)
    dropout = rng.beta(a, b, size)
    x = np.zeros(size, dtype=np.int64)
    t_x = np.zeros(size)
    for i in range(size):
        now = 0.0
        while True:
            now += rng.exponential(1.0 / rate[i])
            if now >= big_t[i]:
                break
            x[i] += 1
            t_x[i] = now
            if rng.random() < dropout[i]:
                break
    return x, t_x


def simulate_spend(p: float, q: float, gamma: float, x: np.ndarray,
                   seed: int) -> np.ndarray:
    """Mean of x transaction values per customer: values ~ Gamma(p, rate nu), nu ~
    Gamma(q, rate gamma); nan where x = 0."""
    rng = np.random.default_rng(seed)
    nu = rng.gamma(q, 1.0 / gamma, len(x))
    means = np.full(len(x), np.nan)
    for i in np.flatnonzero(x > 0):
        means[i] = rng.gamma(p, 1.0 / nu[i], x[i]).mean()
    return means
