"""A softphone's transfer key: the REFER a SIP phone sends when its user transfers the call.

With `PJSIP_TRANSFER_HANDLING()=ari-only` on the channel (the engine sets it on agent legs), Asterisk does not
carry the transfer out: it reports it to the Stasis application as ARI `ChannelTransfer` (refer_to with the
requested destination, referred_by with the channel the REFER came in on, its peer and their bridge) and
leaves the call as it is. The shape comes from ari-api-docs/events.json (ChannelTransfer, ReferTo,
ReferredBy, RequiredDestination); it was not recorded.

Without it, Asterisk performs a blind transfer itself: the transferring phone is released and the party it
was talking to leaves the bridge for the target extension in the phone's dialplan context. Modelled
minimally: the peer continues in the dialplan at the target, the transferring channel hangs up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pbxsim.model.events import ChannelTransferRequested
from pbxsim.model.objects import Channel

if TYPE_CHECKING:
    from pbxsim.model.calls import CallModel

ARI_ONLY = "ari-only"
TRANSFER_HANDLING = "PJSIP_TRANSFER_HANDLING()"


def transfer(model: CallModel, channel: Channel, target: str) -> None:
    """The user of `channel`'s softphone transfers its call to extension `target` (a blind REFER)."""
    bridge = channel.bridge
    peer = next((other for other in bridge.channels.values() if other is not channel), None) if bridge else None
    if channel.variables.get(TRANSFER_HANDLING) == ARI_ONLY:
        model.publish(ChannelTransferRequested(channel, target, peer, bridge))
        return
    from pbxsim.model.redirect import continue_in_dialplan

    if peer is not None:
        continue_in_dialplan(model, peer, channel.dialplan.context, target, 1)
    model.far_end_hangup(channel, 16)
