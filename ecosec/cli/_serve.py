"""``ecosec serve``: the web API and dashboard (FastAPI under uvicorn)."""

from __future__ import annotations

from typing import Annotated

import typer

from ecosec.cli._app import Store, app
from ecosec.cli._output import err_console, handle_errors
from ecosec.errors import MissingExtra


@app.command("serve")
@handle_errors
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    store: Store = None,
) -> None:
    """Serve the JSON API (OpenAPI at /docs) and the dashboard pages."""
    try:
        import uvicorn
    except ImportError as exc:  # pragma: no cover - uvicorn is a dependency
        raise MissingExtra("ecosec serve needs uvicorn: pip install uvicorn") from exc
    from ecosec.web.app import create_app

    err_console.print(f"ecosec dashboard on http://{host}:{port}/  (API docs: /docs)")
    # Keep idle connections longer than clients do (httpx and most pools: 5 s, which is
    # also uvicorn's default): with equal timeouts the server sometimes closes a
    # connection just as a client reuses it, and that request fails (2 in 12,600 in
    # benchmarks/bench_web.py with 50 clients).
    uvicorn.run(create_app(store), host=host, port=port, log_level="warning", timeout_keep_alive=75)
