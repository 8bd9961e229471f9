"""The typing forms an annotation is unwrapped through to find the type it declares. Pure data."""
from __future__ import annotations

from typing import FrozenSet


def _both(name: str) -> FrozenSet[str]:
    """typing_extensions backports every form under the same name."""
    return frozenset({f"typing.{name}", f"typing_extensions.{name}"})


# `Optional[X]`: X.
OPTIONAL = _both("Optional")
# `Union[X, None]`: X when exactly one member is not None.
UNION = _both("Union")
# `Annotated[X, ...]`: X.
ANNOTATED = _both("Annotated")
# Names that declare no usable type: `x: Any = requests.Session()` keeps the value's type.
NO_TYPE = _both("Any") | {"builtins.object"}
# What a name resolves to when it is the constant None (`Union[X, None]`, `X | None`).
NONE = "builtins.None"
