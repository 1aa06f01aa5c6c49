"""Survey data on trust: institution tables and respondent-level correlations.

The paper backs its argument with Asian Barometer figures: the share of
respondents in China trusting each institution in 2011 and 2015 (its Table 4),
and the correlation of trust in NGOs with trust in local government (r = 0.293
in 2015, p < 0.001, with or without controls). graphmodel ships the published
Table 4 figures as a small dataset (:func:`table4`); it ships no respondent data.
:func:`trust_correlation` computes the correlation and the partial correlation
from respondent-level data you supply (e.g. the Asian Barometer microdata).

>>> t4 = table4()
>>> float(t4.query("institution == 'NGO' and year == 2015").percent_trusting.iloc[0])
53.1
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from graphmodel.errors import GraphmodelError

__all__ = [
    "PRINTED_CHANGES",
    "TRUST_COLUMNS",
    "TrustCorrelation",
    "load_trust_table",
    "table4",
    "table4_changes",
    "trust_correlation",
]

#: Columns of an institution trust table, one row per institution and year.
TRUST_COLUMNS = ("institution", "year", "percent_trusting")
#: Controls the paper names for the respondent-level correlation.
DEFAULT_CONTROLS = ("age", "gender", "education", "income")


def load_trust_table(path: str | Path) -> pd.DataFrame:
    """Read a trust table (CSV: ``institution``, ``year``, ``percent_trusting``) and check it.

    Raises :class:`~graphmodel.errors.GraphmodelError` naming the file and the row
    for a missing column, a year that is not a whole number, or a share outside 0-100.
    """
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError) as exc:
        raise GraphmodelError(f"{path}: cannot read the trust table: {exc}") from exc
    missing = [c for c in TRUST_COLUMNS if c not in df.columns]
    if missing:
        raise GraphmodelError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(TRUST_COLUMNS)}")
    df = df[list(TRUST_COLUMNS)].copy()
    years, shares = [], []
    for number, (year, share) in enumerate(zip(df["year"], df["percent_trusting"], strict=True), start=2):
        try:
            years.append(int(year))
        except ValueError:
            raise GraphmodelError(f"{path}:{number}:year: {year!r} is not a year") from None
        try:
            value = float(share)
        except ValueError:
            raise GraphmodelError(f"{path}:{number}:percent_trusting: {share!r} is not a number") from None
        if not 0 <= value <= 100:
            raise GraphmodelError(f"{path}:{number}:percent_trusting: {value} is not between 0 and 100")
        shares.append(value)
    df["institution"] = df["institution"].str.strip()
    df["year"] = years
    df["percent_trusting"] = shares
    duplicated = df.duplicated(["institution", "year"])
    if duplicated.any():
        first = df[duplicated].iloc[0]
        raise GraphmodelError(f"{path}: {first.institution!r} appears twice for {first.year}")
    return df.reset_index(drop=True)


def table4() -> pd.DataFrame:
    """The paper's Table 4 (Asian Barometer, China, 2011 and 2015) as published.

    >>> table4().pivot(index="institution", columns="year", values="percent_trusting").loc["local government"].tolist()
    [80.3, 68.7]
    """
    path = Path(str(resources.files("graphmodel") / "data" / "asian_barometer_table4.csv"))
    return load_trust_table(path)


#: The "Change" column of Table 4 as printed (percentage points, 2011 -> 2015).
PRINTED_CHANGES = {
    "courts": -1.3,
    "national government": -1.2,
    "parliament": -3.1,
    "civil service": -5.8,
    "military": -0.6,
    "police": -2.2,
    "local government": -11.5,
    "newspaper": -6.0,
    "television": -3.8,
    "NGO": -8.3,
}


def table4_changes(table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Table 4 as one row per institution: 2011, 2015, the change computed from them and as printed.

    ``differs`` marks where the printed change is not the difference of the printed values:
    local government, printed -11.5 where 68.7 - 80.3 = -11.6.

    >>> t = table4_changes()
    >>> t.loc[["local government"], ["change", "printed_change", "differs"]].to_dict("records")
    [{'change': -11.6, 'printed_change': -11.5, 'differs': True}]
    >>> int(t["differs"].sum())
    1
    """
    table = table4() if table is None else table
    wide = table.pivot(index="institution", columns="year", values="percent_trusting")
    order = list(table["institution"].drop_duplicates())
    wide = wide.loc[order]
    out = pd.DataFrame({"trust_2011": wide[2011], "trust_2015": wide[2015]})
    out["change"] = (out["trust_2015"] - out["trust_2011"]).round(1)
    out["printed_change"] = [PRINTED_CHANGES.get(i) for i in out.index]
    out["differs"] = [
        p is not None and abs(p - c) > 0.05 for p, c in zip(out["printed_change"], out["change"], strict=True)
    ]
    return out


@dataclass(frozen=True)
class TrustCorrelation:
    """Pearson correlation of ``x`` and ``y``, and their partial correlation given the controls."""

    x: str
    y: str
    controls: tuple[str, ...]
    n: int
    r: float
    p: float
    partial_r: float
    partial_p: float


def _p_value(r: float, dof: int) -> float:
    """Two-sided p-value of a (partial) correlation with ``dof`` residual degrees of freedom."""
    from scipy import stats

    if dof <= 0:
        return math.nan
    if abs(r) >= 1:
        return 0.0
    t = r * math.sqrt(dof / (1 - r * r))
    return float(2 * stats.t.sf(abs(t), dof))


def _design(df: pd.DataFrame, controls: Sequence[str]) -> np.ndarray:
    """An intercept plus the controls; text or categorical controls become dummy columns."""
    parts = [pd.Series(1.0, index=df.index, name="intercept")]
    for column in controls:
        values = df[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            parts.append(values.astype(float))
        else:
            dummies = pd.get_dummies(values.astype(str), prefix=column, drop_first=True, dtype=float)
            parts.extend(dummies[c] for c in dummies.columns)
    return pd.concat(parts, axis=1).to_numpy(dtype=float)


def _residuals(design: np.ndarray, target: np.ndarray) -> np.ndarray:
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    return target - design @ coef


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denominator = math.sqrt(float(a @ a) * float(b @ b))
    return float(a @ b) / denominator if denominator else math.nan


def trust_correlation(
    df: pd.DataFrame,
    x: str = "trust_ngo",
    y: str = "trust_local_government",
    controls: Sequence[str] = DEFAULT_CONTROLS,
) -> TrustCorrelation:
    """Correlation of ``x`` with ``y`` across respondents, raw and partialled on ``controls``.

    One row per respondent. Rows missing any of the columns used are dropped
    (listwise), and ``n`` counts the rows kept. Numeric controls enter linearly;
    text or categorical ones (gender, say) as dummy variables. The partial
    correlation is the correlation of the residuals of ``x`` and ``y`` after
    regressing each on the controls, tested with ``n - 2 - k`` degrees of
    freedom (``k`` control columns, dummies counted).

    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 4, 5, 4, 5], "age": [30, 40, 50, 60, 70]})
    >>> result = trust_correlation(df, "a", "b", controls=[])
    >>> round(result.r, 3), result.n
    (0.775, 5)
    """
    controls = tuple(controls)
    missing = [c for c in (x, y, *controls) if c not in df.columns]
    if missing:
        raise GraphmodelError(f"the respondent data has no column(s) {', '.join(missing)}")
    used = df[[x, y, *controls]].dropna()
    for column in (x, y):
        if not pd.api.types.is_numeric_dtype(used[column]):
            raise GraphmodelError(f"column {column!r} must be numeric (a trust score per respondent)")
    n = len(used)
    if n < 3:
        raise GraphmodelError(f"need at least 3 complete respondents, got {n}")
    xs = used[x].to_numpy(dtype=float)
    ys = used[y].to_numpy(dtype=float)
    r = _pearson(xs, ys)
    design = _design(used, controls)
    k = design.shape[1] - 1
    partial_r = _pearson(_residuals(design, xs), _residuals(design, ys)) if k else r
    return TrustCorrelation(
        x=x,
        y=y,
        controls=controls,
        n=n,
        r=r,
        p=_p_value(r, n - 2),
        partial_r=partial_r,
        partial_p=_p_value(partial_r, n - 2 - k),
    )
