"""The one exception tree of ecosec.

Every error a user can cause derives from :class:`EcosecError` and also from the
builtin it resembles, so ``except ValueError`` keeps working for callers who do
not know ecosec::

    EcosecError
     ├─ BadInput (ValueError)            a parameter or option is not allowed
     │   ├─ UnknownCountry               not an ISO3 code, BACI code or group
     │   ├─ UnknownProduct               not an HS code of the data
     │   ├─ UnknownBasket                not a basket name
     │   └─ NoData                       the data holds nothing for that query
     ├─ BadFile (ValueError)             a source file is corrupt or of the wrong layout
     ├─ StoreError (OSError)             the store directory cannot be read or written
     ├─ ConservationError (ArithmeticError) a result broke its own identities: withheld
     ├─ EngineError (RuntimeError)       Spark could not start, reach its master or run
     └─ MissingExtra (ImportError)       an optional dependency is not installed

The CLI prints ``str(error)`` as one line and exits with :attr:`EcosecError.exit_code`
(2 for bad input or a bad file, 1 otherwise). Every message says what to do next.
"""

from __future__ import annotations


class EcosecError(Exception):
    """Root of every error ecosec raises on purpose."""

    exit_code: int = 1


class BadInput(EcosecError, ValueError):
    """A parameter, option or name that ecosec does not accept."""

    exit_code = 2


class UnknownCountry(BadInput):
    """A country code or group name that is not in the reference tables."""


class UnknownProduct(BadInput):
    """An HS code that is malformed or not present in the data."""


class UnknownBasket(BadInput):
    """A strategic-basket name that is not defined."""


class NoData(BadInput):
    """The loaded data hold nothing for the requested slice (year, country, code)."""


class BadFile(EcosecError, ValueError):
    """A source file that is corrupt, truncated or not of the expected layout.

    The message names the file and, where known, the line or column.
    """

    exit_code = 2


class StoreError(EcosecError, OSError):
    """The store directory cannot be created, read, locked or written."""


class ConservationError(EcosecError, ArithmeticError):
    """An engine result broke one of its own identities (shares summing to 1, lost =
    covered + shortfall…): a bug or a store altered by hand. The result is withheld."""


class EngineError(EcosecError, RuntimeError):
    """The Spark engine could not start, reach its master or run a query; the message
    gives Spark's reason in one line and the setting to check."""


class MissingExtra(EcosecError, ImportError):
    """An optional dependency is missing; the message names the install command."""


def closest(value: str, allowed: list[str] | tuple[str, ...], n: int = 8) -> str:
    """Return a short 'allowed values' phrase for an error message.

    Lists near matches first (by difflib) and then the first few allowed values.
    """
    import difflib

    near = difflib.get_close_matches(value, allowed, n=3, cutoff=0.6)
    head = list(dict.fromkeys([*near, *allowed]))[:n]
    more = "" if len(allowed) <= n else f" … ({len(allowed)} in all)"
    prefix = f"did you mean {', '.join(near)}? " if near else ""
    return f"{prefix}allowed: {', '.join(head)}{more}"
