"""Settings, declared once.

Each :class:`Setting` has a name, a default, an environment variable and help text;
CLI options and (later) web parameters are derived from this list, so a setting is
never described in two places.

>>> SETTINGS["engine"].env
'ECOSEC_ENGINE'
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ecosec._types import ENGINES
from ecosec.errors import BadInput, closest


@dataclass(frozen=True)
class Setting:
    """One configurable value: its default, environment variable and help text."""

    name: str
    default: str | None
    help: str
    choices: tuple[str, ...] | None = None
    # A value must match ``pattern`` (full match, case-insensitive); ``expect`` says
    # what that means in the error message.
    pattern: str | None = None
    expect: str = ""
    case_sensitive: bool = False  # the pattern's letters must match as written

    @property
    def env(self) -> str:
        return "ECOSEC_" + self.name.upper().replace("-", "_")


_ALL = (
    Setting(
        "home",
        None,
        "Store directory holding ingested datasets. Default: a per-user data "
        "directory (platformdirs), e.g. ~/.local/share/ecosec.",
    ),
    Setting(
        "engine",
        "duckdb",
        "SQL executor: duckdb (embedded) or spark (needs `pip install 'ecosec[spark]'`).",
        ENGINES,
    ),
    Setting(
        "spark-master",
        "local[2]",
        "Spark master URL used when engine=spark (for example spark://host:7077).",
        # The forms Spark accepts (its SparkContext reads the same prefixes); checked
        # here so a typo is one message, not a JVM that exits with a Java trace.
        pattern=r"local(\[([1-9][0-9]*|\*)(, ?[0-9]+)?\])?|local-cluster\[[0-9, ]+\]"
        r"|spark://\S+|yarn|k8s://\S+",
        expect="local[N], spark://host:port, yarn or k8s://https://host:port",
        case_sensitive=True,  # Spark reads "local", not "LOCAL"
    ),
    Setting(
        "spark-driver-memory",
        "3g",
        "Heap of the Spark driver JVM when engine=spark (local mode runs there).",
        pattern=r"[1-9][0-9]*[kmgt]?",
        expect="a JVM size such as 3g or 512m",
    ),
    Setting(
        "spark-conf",
        None,
        "Extra Spark properties when engine=spark, space-separated key=value pairs (for "
        "example 'spark.executor.memory=8g spark.sql.shuffle.partitions=200'); they "
        "override ecosec's own (4 shuffle partitions, sized for local[2]).",
    ),
    Setting(
        "memory-limit",
        "3GB",
        "DuckDB memory limit for ingest and queries (DuckDB spills to disk past it).",
        pattern=r"[0-9]+(\.[0-9]+)? ?(b|kb|mb|gb|tb|kib|mib|gib|tib)",
        expect="a size such as 3GB or 512MB",
    ),
    Setting(
        "threads",
        None,
        "DuckDB worker threads. Default: all cores.",
        pattern=r"[1-9][0-9]*",
        expect="a whole number of threads, 1 or more",
    ),
    Setting(
        "web-row-limit",
        "5000",
        "Most rows the web API returns in one JSON page (CSV downloads are whole tables).",
        pattern=r"[1-9][0-9]*",
        expect="a whole number of rows, 1 or more",
    ),
    Setting(
        "web-timeout",
        "60",
        "Seconds a web request's query may run before it is stopped and answered with an error.",
        pattern=r"[0-9]*\.?[0-9]+",
        expect="a number of seconds such as 60",
    ),
    Setting(
        "web-cache-size",
        "128",
        "Results the web app keeps for repeated requests (0: none, every request computes).",
        pattern=r"[0-9]+",
        expect="a whole number of results, 0 or more",
    ),
)

SETTINGS: dict[str, Setting] = {s.name: s for s in _ALL}


def get(name: str, override: str | None = None) -> str | None:
    """Value of a setting: an explicit override, else its environment variable, else default."""
    setting = SETTINGS[name]
    value = override if override is not None else os.environ.get(setting.env, setting.default)
    # Name the value where the user gave it: an option or argument (`engine`), or the
    # environment variable.
    given = setting.name if override is not None else setting.env
    if value is not None and setting.choices is not None:
        if value.strip().lower() not in setting.choices:
            raise BadInput(f"{given} is {value!r}; {closest(value, list(setting.choices))}")
        value = value.strip().lower()  # choices are lower case; DuckDB and Spark read as typed
    if value is not None and setting.pattern is not None:
        flags = 0 if setting.case_sensitive else re.IGNORECASE
        if not re.fullmatch(setting.pattern, value.strip(), flags=flags):
            raise BadInput(
                f"{given} is {value!r}; give {setting.expect} "
                f"(default: {setting.default or 'unset'})"
            )
        value = value.strip()
    return value


def store_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The store directory: ``--store DIR``, else ``$ECOSEC_HOME``, else the user data dir."""
    if override is not None:
        return Path(override).expanduser()
    env = os.environ.get(SETTINGS["home"].env)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("ecosec", appauthor=False))
