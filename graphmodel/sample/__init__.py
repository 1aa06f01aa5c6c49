"""Fieldwork packages shipped with graphmodel.

``paper``: the sample modelled on the paper's 22 core NGOs (see docs/sample.md);
the parts the paper does not report are invented and illustrative.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def sample_path(name: str = "paper") -> Path:
    """Folder of a shipped sample package.

    >>> (sample_path() / "ngos.csv").is_file()
    True
    """
    return Path(str(resources.files("graphmodel.sample").joinpath(name)))
