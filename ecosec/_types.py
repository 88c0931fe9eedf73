"""Closed option sets, declared once as ``Literal`` aliases (validated in ``api``)."""

from __future__ import annotations

from typing import Literal, get_args

Freq = Literal["A", "M"]
ReporterSide = Literal["X", "M", "R"]
OutputFormat = Literal["table", "csv", "json", "parquet"]
EngineName = Literal["duckdb", "spark"]
CustomsPreset = Literal["kr-monthly"]

OUTPUT_FORMATS: tuple[str, ...] = get_args(OutputFormat)
ENGINES: tuple[str, ...] = get_args(EngineName)
CUSTOMS_PRESETS: tuple[str, ...] = get_args(CustomsPreset)
