"""Asterisk-side files for callhive: rendering the sample configuration and dialplans, and checking them."""

from engine.asterisk.confparse import ConfFile, Problem, Section, parse_config, parse_config_text
from engine.asterisk.render import Rendered, render_asterisk_config, render_in_repo, render_texts

__all__ = [
    "ConfFile",
    "Problem",
    "Rendered",
    "Section",
    "parse_config",
    "parse_config_text",
    "render_asterisk_config",
    "render_in_repo",
    "render_texts",
]
