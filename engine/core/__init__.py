"""The pure core: state machines that take events and `now` and return commands.

Nothing under engine/core imports asyncio, aiohttp, panoramisk or asyncpg (a test checks it): time comes
in as an argument and decisions go out as data, so every transition is tested synchronously.
"""
