"""The supervisors' wallboard: an aiohttp + jinja2 app fed live by the engine over a WebSocket."""

from wallboard.app import LiveFeed, create_wallboard

__all__ = ["LiveFeed", "create_wallboard"]
