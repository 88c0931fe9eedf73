"""The web interface: FastAPI JSON API and dashboard pages (``ecosec serve``)."""
