"""What every check shares: the :class:`Check` row and the tolerance of a comparison."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ecosec.engine.conservation import REL_TOL as REL_TOL


@dataclass(frozen=True)
class Check:
    """One comparison: what was checked, the two figures, and whether they agree."""

    check: str
    subject: str
    expected: float
    found: float
    ok: bool
    detail: str = ""


def _close(a: float, b: float, rel: float = REL_TOL) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-6)
