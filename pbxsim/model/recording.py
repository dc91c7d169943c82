"""Recordings: live ones on channels and bridges, stored ones as real WAV files in the recordings dir.

As recorded (NOTES ARI 2 and 9, transcripts/ari_stasis_flow, recordings.txt):
* `POST .../record` -> 201 body state "queued", then RecordingStarted "recording".
* Stop (REST, `maxDurationSeconds`, the target going away) -> RecordingFinished "done" with `duration` in
  whole seconds (2 for a 2.02 s file); the live recording is gone at once (404 "Recording not found").
* A name that exists -> 409 "Recording 'x' already exists and can not be overwritten" unless
  `ifExists=overwrite`.
* No recordings directory -> record answers 500 `{"message":"Internal Server Error"}` and
  `GET /recordings/stored` 500 `{"error":"Allocation failed"}` (extra/norecdir-ari_stasis_flow).
* Files are 8 kHz 16-bit mono WAV; here their length is exactly the time recorded on the model's clock
  (a stopped clock records nothing: a 44-byte header-only file, like the recorded Wait() case).
  The samples are silence: the simulator carries no real audio, only its timing.

A bridge recording adds a `Recorder/ARI-N;2` channel that shows only in BRIDGEPEER on Asterisk; the model
does not create it (no ARI event names it outside ChannelVarset BRIDGEPEER, which the model does not emit).
"""

from __future__ import annotations

import wave
from pathlib import Path
from typing import TYPE_CHECKING

from pbxsim.model import errors
from pbxsim.model.events import RecordingFinished, RecordingStarted
from pbxsim.model.objects import Bridge, Channel, LiveRecording

if TYPE_CHECKING:
    from pbxsim.model.calls import CallModel

SAMPLE_RATE = 8000
_CHUNK_FRAMES = SAMPLE_RATE * 10  # write silence 10 s at a time
FORMATS = ("wav",)


class Recordings:
    def __init__(self, model: CallModel, directory: Path | None) -> None:
        self.model = model
        self.directory = directory
        self.live: dict[str, LiveRecording] = {}
        self._by_target: dict[str, list[LiveRecording]] = {}  # target_uri -> its live recordings (no scans)

    # ----------------------------------------------------------------------- live

    def record(
        self,
        target: Channel | Bridge,
        name: str,
        fmt: str,
        max_duration: float = 0,
        if_exists: str = "fail",
    ) -> LiveRecording:
        if not name:
            raise errors.bad_request("Required parameter name not provided")
        if fmt not in FORMATS:
            raise errors.unprocessable(f"Unknown format '{fmt}'")
        if if_exists not in ("fail", "overwrite", "append"):
            raise errors.bad_request("ifExists must be one of fail, overwrite, append")
        if self.directory is None or not self.directory.is_dir():
            raise errors.ModelError(500, "Internal Server Error", "Internal Server Error")
        exists = name in self.live or self._path(name, fmt).exists()
        if exists and (if_exists == "fail" or name in self.live):
            raise errors.conflict(f"Recording '{name}' already exists and can not be overwritten")
        recording = LiveRecording(name, fmt, target, started_at=self.model.now())
        self.live[name] = recording
        self._by_target.setdefault(recording.target_uri, []).append(recording)
        recording.timer = self.model.later(0, lambda: self._start(recording, max_duration))
        return recording

    def _start(self, recording: LiveRecording, max_duration: float) -> None:
        if recording.state != "queued":
            return
        recording.state = "recording"
        recording.started_at = self.model.now()
        self.model.publish(RecordingStarted(recording))
        if max_duration > 0:
            recording.timer = self.model.later(max_duration, lambda: self.stop(recording))

    def stop(self, recording: LiveRecording) -> None:
        if recording.state not in ("queued", "recording"):
            return
        if recording.timer is not None:
            recording.timer.cancel()
        seconds = max(0.0, self.model.now() - recording.started_at) if recording.state == "recording" else 0.0
        self._write(recording, seconds)
        recording.state = "done"
        recording.duration = int(seconds)
        self._forget(recording)
        self.model.publish(RecordingFinished(recording))

    def cancel(self, recording: LiveRecording) -> None:
        """DELETE /recordings/live/{name}: stop and discard (no file is kept)."""
        if recording.timer is not None:
            recording.timer.cancel()
        was_recording = recording.state == "recording"
        recording.state = "canceled"
        self._forget(recording)
        if was_recording:
            self.model.publish(RecordingFinished(recording))

    def _forget(self, recording: LiveRecording) -> None:
        self.live.pop(recording.name, None)
        siblings = self._by_target.get(recording.target_uri)
        if siblings is not None and recording in siblings:
            siblings.remove(recording)
            if not siblings:
                del self._by_target[recording.target_uri]

    def target_gone(self, target: Channel | Bridge) -> None:
        kind = "channel" if isinstance(target, Channel) else "bridge"
        for recording in list(self._by_target.get(f"{kind}:{target.id}", ())):
            self.stop(recording)

    def get_live(self, name: str) -> LiveRecording:
        found = self.live.get(name)
        if found is None:
            raise errors.not_found("Recording not found")
        return found

    # ----------------------------------------------------------------------- stored

    def _path(self, name: str, fmt: str) -> Path:
        assert self.directory is not None
        return self.directory / f"{name}.{fmt}"

    def _write(self, recording: LiveRecording, seconds: float) -> None:
        path = self._path(recording.name, recording.format)
        path.parent.mkdir(parents=True, exist_ok=True)
        frames = round(seconds * SAMPLE_RATE)
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(SAMPLE_RATE)
            while frames > 0:
                chunk = min(frames, _CHUNK_FRAMES)
                out.writeframes(bytes(2 * chunk))
                frames -= chunk

    def stored(self) -> list[tuple[str, str]]:
        if self.directory is None or not self.directory.is_dir():
            raise errors.allocation_failed()
        found = []
        for path in self.directory.rglob("*"):
            if path.is_file() and path.suffix[1:] in FORMATS:
                name = path.relative_to(self.directory).with_suffix("").as_posix()
                if name not in self.live:
                    found.append((name, path.suffix[1:]))
        return sorted(found)

    def stored_path(self, name: str) -> Path:
        if self.directory is not None:
            for fmt in FORMATS:
                path = self._path(name, fmt)
                if path.is_file() and name not in self.live and ".." not in Path(name).parts:
                    return path
        raise errors.not_found("Recording not found")

    def stored_duration(self, name: str) -> float | None:
        try:
            path = self.stored_path(name)
        except errors.ModelError:
            return None
        with wave.open(str(path), "rb") as source:
            return source.getnframes() / source.getframerate()

    def delete_stored(self, name: str) -> None:
        self.stored_path(name).unlink()
