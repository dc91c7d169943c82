"""Where the tests find what a real Asterisk 22.10.1 said: the copy in tests/recordings/ (its README names the
files and where they came from). Only the repository is read, so a plain clone runs every test."""

from __future__ import annotations

from pathlib import Path

RECORDINGS = Path(__file__).resolve().parent / "recordings" / "asterisk"
TRANSCRIPTS = RECORDINGS / "transcripts"
ARI_DOCS = RECORDINGS / "ari-api-docs"
# The credentials the recordings were made with, on AMI and on ARI (etc/manager.conf, etc/ari.conf).
RECORDED_USER = RECORDED_SECRET = "engine"
