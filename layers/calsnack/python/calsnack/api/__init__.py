"""The HTTP API and public pages behind API Gateway (and the embedded HTTP server)."""
