"""TMDb: the API client (``client``), the shared rate limit (``ratelimit``) and the sync services."""
