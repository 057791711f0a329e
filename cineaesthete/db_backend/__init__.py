"""PostgreSQL backend that starts the embedded server on first connection (see ``base.py``)."""
