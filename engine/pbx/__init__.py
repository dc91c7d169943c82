"""The PBX vocabulary the engine speaks: typed, frozen events and commands for AMI and ARI.

Pure data (no asyncio, aiohttp, panoramisk or asyncpg): the adapters build these from the wire and the
core consumes them, so neither the core nor its tests ever see a raw AMI message or ARI JSON dict.
"""
