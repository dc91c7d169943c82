"""What a waiting caller hears in an announcement, as ARI media URIs (Asterisk's own queue prompts).

"You are next" or "there are <n> calls waiting", then "the estimated hold time is <m> minutes", then,
where offered, the callback prompt. The callback prompt is callhive's own sound (asterisk-conf/README.md
says how to install it); the others ship with Asterisk's core sounds.
"""

from __future__ import annotations

import math

CALLBACK_PROMPT = "sound:callhive/callback-offer"


def announcement_media(position: int | None, estimated_wait_s: float | None, offer_callback: bool) -> tuple[str, ...]:
    media: list[str] = []
    if position is not None:
        if position <= 1:
            media.append("sound:queue-youarenext")
        else:
            media += ["sound:queue-thereare", f"number:{position}", "sound:queue-callswaiting"]
    if estimated_wait_s is not None:
        minutes = max(1, math.ceil(estimated_wait_s / 60))
        media += ["sound:queue-holdtime", f"number:{minutes}", "sound:queue-minutes"]
    if offer_callback:
        media.append(CALLBACK_PROMPT)
    return tuple(media) or ("sound:queue-thankyou",)
