"""BG/NBD and Gamma-Gamma maximum likelihood recovers the parameters data was simulated from.

20,000 customers simulated (numpy, fixed seed) from the CDNOW estimates of Fader, Hardie
and Lee 2005 (BG/NBD r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, weeks) and of the
Gamma-Gamma note (p = 6.25, q = 3.74, gamma = 15.44), each observed 1-52 weeks.
Tolerance, relative to the true value: 5 % for r and alpha, 15 % for a, b, p, q and gamma
(the dropout and spend-heterogeneity parameters are much less precisely identified: at
this size their standard errors are about 5-7 %).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from jobs.predict.fit import fit_bgnbd, fit_gamma_gamma
from tests.predict.simulate import simulate_bgnbd, simulate_spend

pytestmark = pytest.mark.unit

TRUE_BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
TRUE_GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}
TOLERANCE = {"r": 0.05, "alpha": 0.05, "a": 0.15, "b": 0.15, "p": 0.15, "q": 0.15,
             "gamma": 0.15}
CUSTOMERS = 20_000


@pytest.fixture(scope="module")
def simulated():
    ages = np.random.default_rng(7).integers(1, 53, CUSTOMERS).astype(float)
    x, t_x = simulate_bgnbd(**TRUE_BG, big_t=ages, seed=1)
    spend = simulate_spend(**TRUE_GG, x=x, seed=1)
    return x, t_x, ages, spend


def assert_recovered(fitted: dict, true: dict) -> None:
    off = {k: abs(fitted[k] - v) / v for k, v in true.items()}
    assert all(off[k] <= TOLERANCE[k] for k in true), (fitted, off)


def test_bgnbd_recovers_the_simulated_parameters(simulated):
    x, t_x, ages, _ = simulated
    fitted = fit_bgnbd(x, t_x, ages, np.ones(CUSTOMERS))
    assert fitted.customers == CUSTOMERS
    assert_recovered(fitted.as_dict(), TRUE_BG)


def test_grouping_to_whole_weeks_keeps_the_fit_and_bounds_its_rows(simulated):
    """The stage fits on distinct (x, round(t_x), T) with counts: far fewer rows, same fit."""
    x, t_x, ages, _ = simulated
    keys, counts = np.unique(np.stack([x, np.round(t_x), ages], axis=1), axis=0,
                             return_counts=True)
    grouped = fit_bgnbd(keys[:, 0], keys[:, 1], keys[:, 2], counts)
    exact = fit_bgnbd(x, t_x, ages, np.ones(CUSTOMERS))
    assert grouped.customers == CUSTOMERS and grouped.rows == len(counts) < CUSTOMERS / 4
    assert_recovered(grouped.as_dict(), TRUE_BG)
    assert abs(grouped.r - exact.r) / exact.r < 0.01


def test_the_fit_does_not_depend_on_the_order_of_its_rows(simulated):
    """A moved state and a full refresh collect the same groups in other orders: the fits
    must agree to the last bit (a fit near a boundary, as a month of history gives,
    amplifies rounding into different parameters)."""
    x, t_x, ages, spend = simulated
    keys, counts = np.unique(np.stack([x, np.round(t_x), ages], axis=1), axis=0,
                             return_counts=True)
    shuffled = np.random.default_rng(3).permutation(len(counts))
    assert fit_bgnbd(*keys.T, counts) == fit_bgnbd(*keys[shuffled].T, counts[shuffled])
    repeat = x > 0
    order = np.random.default_rng(4).permutation(int(repeat.sum()))
    ones = np.ones(int(repeat.sum()))
    assert fit_gamma_gamma(x[repeat], spend[repeat], ones) == fit_gamma_gamma(
        x[repeat][order], spend[repeat][order], ones)


def test_gamma_gamma_recovers_the_simulated_parameters(simulated):
    x, _, _, spend = simulated
    repeat = x > 0
    fitted = fit_gamma_gamma(x[repeat], spend[repeat], np.ones(repeat.sum()))
    assert fitted.customers == repeat.sum()
    assert_recovered(fitted.as_dict(), TRUE_GG)


def test_a_fit_without_customers_says_so():
    with pytest.raises(ValueError, match="no customer"):
        fit_bgnbd([], [], [], [])
    with pytest.raises(ValueError, match="no repeat customer"):
        fit_gamma_gamma([0, 1], [10.0, 0.0], [3, 2])


def cdnow_summary():
    """The CDNOW sample's (x, t_x, T) in weeks as the ``lifetimes`` package ships it, or skip."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the lifetimes package (dev extra) is not installed")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "cdnow_customers_summary.csv"
    return np.loadtxt(path, delimiter=",", skiprows=1, usecols=(1, 2, 3))


def test_bgnbd_on_the_cdnow_sample_reproduces_the_published_estimates():
    """Fader, Hardie and Lee 2005, table 1: r 0.243, alpha 4.414, a 0.793, b 2.426, LL -9582.4."""
    data = cdnow_summary()
    fitted = fit_bgnbd(data[:, 0], data[:, 1], data[:, 2], np.ones(len(data)))
    assert fitted.customers == 2357
    assert round(fitted.r, 3) == 0.243 and round(fitted.alpha, 3) == 4.414
    assert round(fitted.a, 3) == 0.793 and round(fitted.b, 3) == 2.426
    assert round(fitted.log_likelihood, 1) == -9582.4
