"""Survey data: the shipped Table 4 and correlations on synthetic respondents."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from graphmodel.errors import GraphmodelError
from graphmodel.survey import load_trust_table, table4, trust_correlation

# Table 4 of the paper, copied by hand from ../shared/GUIDE.md section 1 (2011, 2015).
PUBLISHED = {
    "courts": (85.5, 84.2),
    "national government": (95.9, 94.7),
    "parliament": (95.7, 92.6),
    "civil service": (69.4, 63.6),
    "military": (96.4, 95.8),
    "police": (84.6, 82.4),
    "local government": (80.3, 68.7),
    "newspaper": (75.2, 69.2),
    "television": (80.3, 76.5),
    "NGO": (61.4, 53.1),
}


def test_table4_matches_the_published_figures() -> None:
    df = table4()
    assert len(df) == 2 * len(PUBLISHED)
    got = {(r.institution, r.year): r.percent_trusting for r in df.itertuples()}
    for institution, (y2011, y2015) in PUBLISHED.items():
        assert got[(institution, 2011)] == y2011
        assert got[(institution, 2015)] == y2015
    # The paper's point: NGOs are the least trusted institution in both years,
    # and trust in local government fell most (80.3 - 68.7 = 11.6 points).
    wide = df.pivot(index="institution", columns="year", values="percent_trusting")
    assert wide[2011].idxmin() == wide[2015].idxmin() == "NGO"
    assert (wide[2011] - wide[2015]).idxmax() == "local government"


def test_load_trust_table_reports_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("institution,year,percent_trusting\ncourts,2011,85.5\ncourts,2015,184.2\n", encoding="utf-8")
    with pytest.raises(GraphmodelError, match=r"t\.csv:3:percent_trusting: 184\.2 is not between 0 and 100"):
        load_trust_table(path)
    path.write_text("institution,share\ncourts,85.5\n", encoding="utf-8")
    with pytest.raises(GraphmodelError, match=r"missing column.*year, percent_trusting"):
        load_trust_table(path)
    path.write_text("institution,year,percent_trusting\ncourts,2011,85\ncourts,2011,84\n", encoding="utf-8")
    with pytest.raises(GraphmodelError, match="'courts' appears twice for 2011"):
        load_trust_table(path)


def _respondents(n: int, rho: float, seed: int) -> pd.DataFrame:
    """Synthetic respondents: trust scores with correlation ``rho``, controls independent of both."""
    rng = np.random.default_rng(seed)
    scores = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n)
    return pd.DataFrame(
        {
            "trust_ngo": scores[:, 0],
            "trust_local_government": scores[:, 1],
            "age": rng.integers(18, 80, n),
            "gender": rng.choice(["female", "male"], n),
            "education": rng.integers(1, 6, n),
            "income": rng.integers(1, 6, n),
        }
    )


def test_recovers_a_known_correlation() -> None:
    df = _respondents(4000, 0.3, seed=7)
    result = trust_correlation(df)
    # The standard error of r near 0.3 with n = 4000 is (1 - 0.09) / sqrt(4000) = 0.014;
    # 0.04 is about three of them. Controls are independent noise, so partialling barely moves r.
    assert result.n == 4000
    assert abs(result.r - 0.3) < 0.04
    assert abs(result.partial_r - result.r) < 0.01
    assert result.p < 1e-50 and result.partial_p < 1e-50
    # r and p agree with scipy's own Pearson test.
    reference = stats.pearsonr(df.trust_ngo, df.trust_local_government)
    assert result.r == pytest.approx(reference.statistic, abs=1e-12)
    assert result.p == pytest.approx(reference.pvalue, rel=1e-6)


def test_no_correlation_is_not_significant() -> None:
    result = trust_correlation(_respondents(2000, 0.0, seed=11))
    assert abs(result.r) < 0.07  # 3 standard errors (1 / sqrt(2000) = 0.022)
    assert result.p > 0.001


def test_partial_correlation_removes_a_confounder() -> None:
    # Both trust scores depend on age and on nothing else in common: raw r is large,
    # the partial correlation given age is near zero.
    rng = np.random.default_rng(3)
    n = 3000
    age = rng.normal(50, 10, n)
    df = pd.DataFrame(
        {
            "trust_ngo": 0.1 * age + rng.normal(0, 1, n),
            "trust_local_government": 0.1 * age + rng.normal(0, 1, n),
            "age": age,
        }
    )
    result = trust_correlation(df, controls=["age"])
    # Var(0.1 age) = 1, noise variance 1: the raw correlation is 1 / (1 + 1) = 0.5.
    assert abs(result.r - 0.5) < 0.05
    assert abs(result.partial_r) < 0.06
    # With one control, the partial correlation equals the textbook formula
    # (r_xy - r_xz r_yz) / sqrt((1 - r_xz^2)(1 - r_yz^2)).
    c = df.corr()
    rxy, rxz, ryz = (
        c.loc["trust_ngo", "trust_local_government"],
        c.loc["trust_ngo", "age"],
        c.loc["trust_local_government", "age"],
    )
    formula = (rxy - rxz * ryz) / math.sqrt((1 - rxz**2) * (1 - ryz**2))
    assert result.partial_r == pytest.approx(formula, abs=1e-10)


def test_gender_dummy_and_listwise_deletion() -> None:
    df = _respondents(500, 0.3, seed=5)
    df.loc[:9, "income"] = np.nan  # ten respondents without income are dropped
    result = trust_correlation(df)
    assert result.n == 490
    assert result.controls == ("age", "gender", "education", "income")


def test_clear_errors() -> None:
    df = _respondents(10, 0.3, seed=1)
    with pytest.raises(GraphmodelError, match=r"no column.*religion"):
        trust_correlation(df, controls=["religion"])
    df["trust_ngo"] = "high"
    with pytest.raises(GraphmodelError, match="'trust_ngo' must be numeric"):
        trust_correlation(df)
