"""Media: playbacks on channels and bridges, music on hold, silence, ringing - and what each channel hears.

Playback life (NOTES ARI 3, transcripts/ari_stasis_flow): the 201 body says "queued"; then
PlaybackStarted "playing"; after the media's duration on the clock PlaybackFinished "done". A sound that
does not exist still gets 201 and PlaybackStarted, then PlaybackFinished "failed" at once. A second
playback on a busy target waits its turn. Durations come from a catalog (`DEFAULT_SOUNDS`, measured in the
recordings: hello-world 1.40 s, beep 0.44 s); `recording:` media use the stored file's length,
`digits:`/`number:`/`characters:` 0.5 s per character, `tone:` plays until stopped.

Hearing: each channel keeps a timeline of `HearingSpan`s. What it hears is recomputed (`refresh`) whenever
one of its inputs changes, by this precedence: its own playback, its own MOH, its silence generator, a
ringing indication, a Snoop's spyee, its bridge (the bridge's playback or MOH, else the mix), silence.
Quirk kept on purpose (recorded on Asterisk 22.10.1, ari_continue_redirect + issue 4): `/play` on a channel
playing MOH *suspends* the MOH and does not resume it when the playback ends. MOH raises no ARI event
(NOTES 15); it is published as `MusicOnHold` for the AMI face only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pbxsim.model import errors
from pbxsim.model.events import MusicOnHold, PlaybackFinished, PlaybackStarted
from pbxsim.model.objects import Bridge, Channel, Heard, HearingSpan, Playback

if TYPE_CHECKING:
    from pbxsim.model.calls import CallModel

DEFAULT_SOUNDS: dict[str, float] = {
    "hello-world": 1.40,  # ari_stasis_flow: PlaybackStarted t=0.822 -> Finished t=2.224
    "beep": 0.44,  # ari_outbound_outcomes: t=3.827 -> 4.268
    "silence/1": 1.0,
    "silence/2": 2.0,
    "queue-thankyou": 2.0,
    "queue-youarenext": 1.4,
    "queue-thereare": 1.2,
    "queue-callswaiting": 1.3,
    "queue-holdtime": 1.9,
    "queue-minutes": 0.7,
    "queue-seconds": 0.7,
    "pls-hold-while-try": 2.6,
    "please-try-again": 1.3,
    "vm-goodbye": 0.8,
    "goodbye": 0.8,
    "welcome": 0.9,
    "agent-loginok": 1.0,
    "demo-thanks": 3.1,
    "custom/welcome": 3.0,
    "callhive/callback-offer": 3.2,  # callhive's own prompt: "press 1 to be called back, keeping your place"
}
_PER_CHARACTER = 0.5
ENDLESS = float("inf")


class Media:
    """Playbacks, MOH and hearing for one `CallModel`."""

    def __init__(self, model: CallModel, sounds: dict[str, float] | None) -> None:
        self.model = model
        self.sounds = dict(DEFAULT_SOUNDS if sounds is None else sounds)
        self.playbacks: dict[str, Playback] = {}

    # ----------------------------------------------------------------------- playback

    def duration_of(self, media_uri: str) -> float | None:
        scheme, _, rest = media_uri.partition(":")
        if scheme == "sound":
            return self.sounds.get(rest)
        if scheme == "recording":
            return self.model.recordings.stored_duration(rest)
        if scheme in ("digits", "number", "characters"):
            return max(1, len(rest)) * _PER_CHARACTER
        if scheme == "tone":
            return ENDLESS
        return None

    def play(
        self, target: Channel | Bridge, media: list[str], language: str | None, playback_id: str | None
    ) -> Playback:
        media = [uri for uri in media if uri]
        if not media:
            raise errors.ModelError(500, "Internal Server Error", "Failed to queue media for playback")
        pid = playback_id or self.model.random_uuid()
        if pid in self.playbacks:
            raise errors.conflict("Playback with the same ID already exists")
        durations = [self.duration_of(uri) for uri in media]
        total = None if any(d is None for d in durations) else sum(d for d in durations if d is not None)
        default = self.model.core.identity.default_language
        lang = language or (target.language if isinstance(target, Channel) else default)
        playback = Playback(pid, media[0], target, lang, duration=total)
        self.playbacks[pid] = playback
        if target.playback is None:
            target.playback = playback
            # The 201 body says "queued"; PlaybackStarted follows (ari_stasis_flow t=0.822).
            playback.timer = self.model.later(0, lambda: self._start(playback))
        else:
            target.queued_playbacks.append(playback)
        return playback

    def _start(self, playback: Playback) -> None:
        target = playback.target
        playback.state = "playing"
        if isinstance(target, Channel) and target.moh_class is not None:
            self._moh_off(target)  # suspended, never resumed (module docstring)
        self.model.publish(PlaybackStarted(playback))
        self._refresh_target(target)
        if playback.duration is None:
            playback.timer = self.model.later(0, lambda: self._finish(playback, "failed"))
        elif playback.duration != ENDLESS:
            playback.timer = self.model.later(playback.duration, lambda: self._finish(playback, "done"))

    def _finish(self, playback: Playback, state: str) -> None:
        if playback.state not in ("queued", "playing"):
            return
        if playback.timer is not None:
            playback.timer.cancel()
        target = playback.target
        was_playing = playback.state == "playing"
        playback.state = state
        self.playbacks.pop(playback.id, None)
        if target.playback is playback:
            target.playback = None
        elif playback in target.queued_playbacks:
            target.queued_playbacks.remove(playback)
        if was_playing:
            self.model.publish(PlaybackFinished(playback))
        self._refresh_target(target)
        if target.playback is None and target.queued_playbacks and not _gone(target):
            following = target.queued_playbacks.pop(0)
            target.playback = following
            self._start(following)

    def stop(self, playback: Playback) -> None:
        """DELETE /playbacks/{id}: a playing one finishes "done", a queued one is dropped silently."""
        self._finish(playback, "done" if playback.state == "playing" else "cancelled")

    def channel_gone(self, target: Channel | Bridge) -> None:
        for queued in list(target.queued_playbacks):
            self._finish(queued, "cancelled")
        if target.playback is not None:
            self._finish(target.playback, "done")
        if isinstance(target, Channel) and target.moh_class is not None and target.dialplan.app_name == "Queue":
            # app_queue stops a leaving caller's music: MusicOnHoldStop before the hangup (ami_abandon t=4.810,
            # ari_ws_reconnect.side_ami t=14.059); the timeline keeps the music to the end (close()).
            klass, target.moh_class = target.moh_class, None
            self.model.publish(MusicOnHold(target, False, klass))

    # ----------------------------------------------------------------------- MOH / silence / ring / hold

    def moh_start(self, channel: Channel, klass: str | None) -> None:
        # A nonexistent class still answers 204 and AMI says `Class: default` (NOTES 15).
        klass = klass if klass in self.model.world.moh_classes else "default"
        if channel.moh_class is not None:
            self._moh_off(channel)
        channel.moh_class = klass
        self.model.publish(MusicOnHold(channel, True, klass))
        self.refresh(channel)

    def moh_stop(self, channel: Channel) -> None:
        if channel.moh_class is not None:  # DELETE when not playing is still 204 (NOTES 15)
            self._moh_off(channel)
            self.refresh(channel)

    def _moh_off(self, channel: Channel) -> None:
        klass, channel.moh_class = channel.moh_class or "default", None
        self.model.publish(MusicOnHold(channel, False, klass))

    def set_silence(self, channel: Channel, on: bool) -> None:
        channel.silence = on
        self.refresh(channel)

    def set_ringing(self, channel: Channel, on: bool) -> None:
        channel.ringing = on
        self.refresh(channel)

    def set_hold(self, channel: Channel, on: bool) -> None:
        """Hold is an indication to the far side; on a Local channel the other half starts MOH (NOTES 15)."""
        channel.on_hold = on
        peer = channel.peer
        if peer is not None and not peer.destroyed:
            if on:
                self.moh_start(peer, None)
            else:
                self.moh_stop(peer)

    def bridge_moh(self, bridge: Bridge, klass: str | None) -> None:
        bridge.moh_class = klass if klass in self.model.world.moh_classes else "default"
        self._refresh_target(bridge)

    def bridge_moh_stop(self, bridge: Bridge) -> None:
        if bridge.moh_class is None:
            raise errors.conflict("Bridge isn't playing music")
        bridge.moh_class = None
        self._refresh_target(bridge)

    # ----------------------------------------------------------------------- hearing

    def hearing_of(self, channel: Channel) -> tuple[Heard, str]:
        if channel.playback is not None and channel.playback.state == "playing":
            return Heard.PLAYBACK, channel.playback.media_uri
        if channel.moh_class is not None:
            return Heard.MOH, channel.moh_class
        if channel.silence:
            return Heard.SILENCE, "generator"
        if channel.ringing:
            return Heard.RINGING, ""
        if channel.spyee is not None:
            return Heard.SNOOP, channel.spyee.id
        bridge = channel.bridge
        if bridge is not None:
            if bridge.playback is not None and bridge.playback.state == "playing":
                return Heard.PLAYBACK, bridge.playback.media_uri
            if bridge.moh_class is not None:
                return Heard.MOH, bridge.moh_class
            return Heard.BRIDGE, bridge.id
        return Heard.SILENCE, ""

    def refresh(self, channel: Channel) -> None:
        if channel.destroyed:
            return
        what, detail = self.hearing_of(channel)
        spans = channel.hearing
        if spans and spans[-1].what is what and spans[-1].detail == detail:
            return
        now = self.model.now()
        if spans:
            spans[-1].end = now
        spans.append(HearingSpan(what, detail, now))

    def close(self, channel: Channel) -> None:
        if channel.hearing and channel.hearing[-1].end is None:
            channel.hearing[-1].end = self.model.now()

    def _refresh_target(self, target: Channel | Bridge) -> None:
        if isinstance(target, Channel):
            self.refresh(target)
        else:
            for member in target.channels.values():
                self.refresh(member)


def _gone(target: Channel | Bridge) -> bool:
    return target.destroyed or (isinstance(target, Channel) and target.hangup_requested)
