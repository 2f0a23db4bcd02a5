"""Maximum-likelihood fits of BG/NBD (purchase counts) and Gamma-Gamma (spend) on grouped rows.

No Spark here: the inputs are the *grouped* sufficient statistics the predict stage
collects (one row per distinct (x, t_x, T), or per (x, mean-spend bucket), with the
number of customers in it), so the cost of a fit does not grow with the user base.

BG/NBD (Fader, Hardie and Lee 2005, "Counting your customers the easy way"): while
alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha); after each repeat
purchase they drop out with probability p ~ Beta(a, b). Per customer, with x repeat
purchases, the last at t_x, observed for T (same time unit):

    ln L = ln G(r+x) - ln G(r) + r ln alpha + ln B(a, b+x) - ln B(a, b)
           + ln[ (alpha+T)^-(r+x) + d(x>0) a/(b+x-1) (alpha+t_x)^-(r+x) ]

Gamma-Gamma (Fader, Hardie and Lee 2005, "RFM and CLV"; Fader and Hardie's note): the
mean m of x repeat transaction values, each ~ Gamma(p, nu), nu ~ Gamma(q, gamma):

    ln L = ln G(px+q) - ln G(px) - ln G(q) + q ln gamma + (px-1) ln m + px ln x
           - (px+q) ln(gamma + x m)

Both are maximised over the logarithms of the parameters (they are positive) with
scipy: Nelder-Mead from all-ones, polished by L-BFGS-B.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int
    rows: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    gamma: float
    log_likelihood: float
    customers: int
    rows: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def bgnbd_log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray,
                         big_t: np.ndarray) -> np.ndarray:
    """Per-row log-likelihood of BG/NBD at params = (r, alpha, a, b)."""
    r, alpha, a, b = params
    common = (gammaln(r + x) - gammaln(r) + r * np.log(alpha)
              + betaln(a, b + x) - betaln(a, b))
    alive = -(r + x) * np.log(alpha + big_t)
    repeat = x > 0
    # d(x>0) a/(b+x-1) (alpha+t_x)^-(r+x) relative to B(a, b+x): B(a+1, b+x-1)/B(a, b+x)
    dropped = np.where(repeat, np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0))
                       - (r + x) * np.log(alpha + t_x), -np.inf)
    return common + np.logaddexp(alive, dropped)


def gamma_gamma_log_likelihood(params: np.ndarray, x: np.ndarray,
                               m: np.ndarray) -> np.ndarray:
    """Per-row log-likelihood of Gamma-Gamma at params = (p, q, gamma); x > 0, m > 0."""
    p, q, gamma = params
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma)
            + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(gamma + x * m))


def _maximise(objective, dimensions: int) -> tuple[np.ndarray, float]:
    """argmax over positive parameters, searched on their logarithms."""
    def negative(log_params: np.ndarray) -> float:
        value = objective(np.exp(log_params))
        return -value if np.isfinite(value) else np.inf

    coarse = minimize(negative, np.zeros(dimensions), method="Nelder-Mead",
                      options={"maxiter": 20_000, "xatol": 1e-9, "fatol": 1e-9})
    fine = minimize(negative, coarse.x, method="L-BFGS-B")
    best = fine if fine.fun <= coarse.fun else coarse
    return np.exp(best.x), -float(best.fun)


def in_order(*columns) -> tuple[np.ndarray, ...]:
    """The grouped rows as float arrays, sorted by every column: the same rows in any order
    of arrival give the same floating-point sums, so the optimizer takes the same path (a
    fit near a boundary, as a short history gives, would otherwise end elsewhere when a
    moved state and a full refresh collect their groups in another order)."""
    arrays = [np.asarray(v, dtype=float) for v in columns]
    order = np.lexsort(arrays[::-1])
    return tuple(a[order] for a in arrays)


def fit_bgnbd(x, t_x, big_t, counts) -> BgNbd:
    """BG/NBD on grouped rows: arrays of x, t_x, T and how many customers share them."""
    x, t_x, big_t, n = in_order(x, t_x, big_t, counts)
    if n.sum() == 0:
        raise ValueError("no customer to fit BG/NBD on")
    params, ll = _maximise(lambda p: float(np.sum(n * bgnbd_log_likelihood(p, x, t_x, big_t))),
                           4)
    return BgNbd(*map(float, params), log_likelihood=ll, customers=int(n.sum()), rows=len(n))


def fit_gamma_gamma(x, m, counts) -> GammaGamma:
    """Gamma-Gamma on grouped rows of repeat customers: x > 0, mean repeat spend m > 0."""
    x, m, n = in_order(x, m, counts)
    keep = (x > 0) & (m > 0)
    x, m, n = x[keep], m[keep], n[keep]
    if n.sum() == 0:
        raise ValueError("no repeat customer with a positive spend to fit Gamma-Gamma on")
    params, ll = _maximise(
        lambda p: float(np.sum(n * gamma_gamma_log_likelihood(p, x, m))), 3)
    return GammaGamma(*map(float, params), log_likelihood=ll, customers=int(n.sum()),
                      rows=len(n))
