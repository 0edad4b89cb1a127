"""Fake LLM vendor servers on 127.0.0.1 that speak each vendor's real HTTP wire protocol (JSON and SSE)."""

from .server import FakeServer, start_fake

__all__ = ["FakeServer", "start_fake"]
