"""Agreement between two codings of the same excerpts: a model and a human, or two humans.

Coding is multi-label, so agreement is measured on **code presence**: for every unit
(excerpt) and every code, did this coder apply it (1) or not (0)? Cohen's kappa and
Krippendorff's alpha (nominal) are computed per code and pooled over all unit × code
decisions. The alpha interval is a percentile bootstrap over units (not over decisions:
the codes of one excerpt are not independent draws).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

Coding = Mapping[str, frozenset[str] | set[str]]
"""unit id → the set of codes a coder applied to it (an empty set: coded, no code applies)."""


@dataclass(frozen=True)
class CodeAgreement:
    code: str
    kappa: float | None
    alpha: float | None
    support_a: int
    support_b: int
    both: int


@dataclass(frozen=True)
class Agreement:
    units: int
    codes: tuple[str, ...]
    kappa: float | None
    alpha: float | None
    alpha_ci: tuple[float, float] | None
    per_code: tuple[CodeAgreement, ...]

    def as_dict(self) -> dict:
        return {
            "units": self.units, "kappa": self.kappa, "alpha": self.alpha,
            "alpha_ci": list(self.alpha_ci) if self.alpha_ci else None,
            "per_code": {c.code: {"kappa": c.kappa, "alpha": c.alpha, "support_a": c.support_a,
                                  "support_b": c.support_b, "both": c.both} for c in self.per_code},
        }


def presence(coding: Coding, units: Sequence[str], codes: Sequence[str]) -> np.ndarray:
    """A ``(len(units), len(codes))`` 0/1 matrix."""
    index = {c: j for j, c in enumerate(codes)}
    out = np.zeros((len(units), len(codes)), dtype=np.int8)
    for i, unit in enumerate(units):
        for code in coding.get(unit, ()):
            if code in index:
                out[i, index[code]] = 1
    return out


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float | None:
    """Cohen's kappa of two equally long 0/1 vectors; ``None`` when undefined (no variation at all)."""
    a, b = np.asarray(a).ravel(), np.asarray(b).ravel()
    if len(a) == 0:
        return None
    observed = float(np.mean(a == b))
    pa, pb = float(a.mean()), float(b.mean())
    expected = pa * pb + (1 - pa) * (1 - pb)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(a: np.ndarray, b: np.ndarray) -> float | None:
    """Nominal Krippendorff's alpha for two coders with no missing values (``krippendorff`` package)."""
    import krippendorff

    data = np.vstack([np.asarray(a).ravel(), np.asarray(b).ravel()]).astype(float)
    if data.size == 0 or len(np.unique(data)) < 2:
        return None
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def agreement(
    a: Coding,
    b: Coding,
    *,
    codes: Sequence[str] | None = None,
    units: Sequence[str] | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
) -> Agreement:
    """Agreement of ``a`` and ``b`` over ``units`` (default: the units both coded)."""
    units = list(units) if units is not None else sorted(set(a) & set(b))
    codes = list(codes) if codes is not None else sorted({c for u in units for c in (*a.get(u, ()), *b.get(u, ()))})
    ma, mb = presence(a, units, codes), presence(b, units, codes)
    per_code = tuple(
        CodeAgreement(code, _round(cohen_kappa(ma[:, j], mb[:, j])), _round(krippendorff_alpha(ma[:, j], mb[:, j])),
                      int(ma[:, j].sum()), int(mb[:, j].sum()), int((ma[:, j] & mb[:, j]).sum()))
        for j, code in enumerate(codes)
    )
    alpha = krippendorff_alpha(ma, mb)
    ci = None
    if alpha is not None and bootstrap and len(units) > 1:
        rng = np.random.default_rng(seed)
        draws = []
        for _ in range(bootstrap):
            pick = rng.integers(0, len(units), len(units))
            value = krippendorff_alpha(ma[pick], mb[pick])
            if value is not None:
                draws.append(value)
        if draws:
            ci = (round(float(np.percentile(draws, 2.5)), 4), round(float(np.percentile(draws, 97.5)), 4))
    return Agreement(len(units), tuple(codes), _round(cohen_kappa(ma, mb)), _round(alpha), ci, per_code)


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)
