"""Serving stage: loader, CLI chat, HTTP API, web page (see the issue tracker; not built yet)."""
