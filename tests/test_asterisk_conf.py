"""The rendered Asterisk configuration: lints clean, parses clean, matches the settings, never drifts.

asterisklint 0.4.3 (`dialplan-check`) follows `#include` relative to the including file and reports the
included file's own path and line (e.g. `<dir>/dialplans/outbound.conf:22 E_APP_MISSING: ...`); its whole
report goes to stderr, one `file:line CODE: message` per line, exit status 1 when anything is reported.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.asterisk import (
    ConfFile,
    Section,
    parse_config,
    parse_config_text,
    render_asterisk_config,
    render_texts,
)
from engine.asterisk.render import TEMPLATE_SETS
from engine.config import Settings, load_settings
from engine.errors import CallhiveError

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "asterisk_conf_fixtures"
ASTERISKLINT = Path(sys.executable).parent / "asterisklint"
# Applications Asterisk 22 has that asterisklint 0.4.3 has no definition for (it flags them E_APP_MISSING).
LINT_UNKNOWN_APPS = frozenset({"AMD"})
LINT_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+) (?P<code>[A-Z]_[A-Z0-9_]+): (?P<message>.*)$")
APP_MISSING = re.compile(r"^app '(?P<app>[^']+)' does not exist")

CUSTOM_ENV = {
    "CALLHIVE_AMI_SECRET": "s3cr3t-x",
    "CALLHIVE_AMI_USERNAME": "hive-ami",
    "CALLHIVE_AMI_PORT": "5039",
    "CALLHIVE_ARI_URL": "http://127.0.0.1:9099/ari",
    "CALLHIVE_ARI_APP": "hive2",
    "CALLHIVE_ARI_USERNAME": "hive-ari",
    "CALLHIVE_ARI_PASSWORD": "ari-pw-7",
}
AGENTS = ("1001", "1002", "1003", "1004")
RENDERED_FILES = {
    *(f"{name}.conf" for name in ("amd", "ari", "extensions", "http", "manager", "modules", "musiconhold")),
    *(f"{name}.conf" for name in ("pjsip", "queues", "voicemail")),
    *(f"dialplans/{name}.conf" for name in ("agents", "inbound", "outbound")),
}


@dataclass(frozen=True)
class LintMessage:
    file: str
    line: int
    code: str
    message: str


@pytest.fixture
def defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    # An empty working directory: a callhive.toml lying around must not change the "defaults".
    monkeypatch.chdir(tmp_path)
    return load_settings(None, {})


@pytest.fixture
def custom(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    monkeypatch.chdir(tmp_path)
    return load_settings(None, CUSTOM_ENV)


def render(settings: Settings, out: Path) -> dict[str, Path]:
    """Render into `out`; map of relative POSIX name -> written path."""
    written = render_asterisk_config(settings, out)
    return {path.relative_to(out).as_posix(): path for path in written}


def lint(extensions_conf: Path) -> list[LintMessage]:
    if not ASTERISKLINT.is_file():
        pytest.fail(f"{ASTERISKLINT} not found: install the dev extras (pip install -e .[dev])")
    env = {key: value for key, value in os.environ.items() if key != "ALINT_IGNORE"}  # suppress nothing
    proc = subprocess.run(
        [str(ASTERISKLINT), "dialplan-check", str(extensions_conf)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    messages = []
    for raw in (proc.stdout + proc.stderr).splitlines():
        match = LINT_LINE.match(raw)
        assert match is not None, f"unexpected asterisklint output line: {raw!r}\n{proc.stderr}"
        messages.append(LintMessage(match["file"], int(match["line"]), match["code"], match["message"]))
    assert proc.returncode == (1 if messages else 0), proc.stderr
    return messages


def missing_app(message: LintMessage) -> str | None:
    match = APP_MISSING.match(message.message) if message.code == "E_APP_MISSING" else None
    return match["app"] if match else None


def context_lines(conf: ConfFile, context: str) -> list[str]:
    """The dialplan lines of a context as `key => value` text, in order."""
    return [f"{key} => {value}" for key, value in conf.section(context).entries]


def first_index(lines: list[str], needle: str) -> int:
    found = [i for i, line in enumerate(lines) if needle in line]
    assert found, f"{needle!r} not in {lines}"
    return found[0]


# ------------------------------------------------------------------------------------------- (a) lint


def test_dialplan_lints_clean_apart_from_apps_asterisklint_does_not_know(defaults: Settings, tmp_path: Path) -> None:
    files = render(defaults, tmp_path / "etc")
    messages = lint(files["extensions.conf"])
    unexpected = [m for m in messages if missing_app(m) not in LINT_UNKNOWN_APPS]
    assert unexpected == []
    # The allow-listed finding sits in an included file: proof the includes were read, not skipped.
    assert {(Path(m.file).parent.name, missing_app(m)) for m in messages} == {("dialplans", "AMD")}


def test_lint_checks_every_included_dialplan(defaults: Settings, tmp_path: Path) -> None:
    files = render(defaults, tmp_path / "etc")
    dialplans = sorted(name for name in files if name.startswith("dialplans/"))
    assert len(dialplans) >= 3
    expected = set()
    for index, name in enumerate(dialplans):
        text = files[name].read_text(encoding="utf-8")
        line = text.count("\n") + 3
        broken = f"[broken{index}]\nexten => s,1,NoSuchApp{index}(x)\n same => n,Goto(nowhere{index},s,1)\n"
        files[name].write_text(f"{text}\n{broken}", encoding="utf-8")
        expected |= {(name, line, "E_APP_MISSING"), (name, line + 1, "E_DP_GOTO_NOCONTEXT")}
    found = {
        (Path(m.file).relative_to(tmp_path / "etc").as_posix(), m.line, m.code)
        for m in lint(files["extensions.conf"])
        if missing_app(m) not in LINT_UNKNOWN_APPS
    }
    assert found == expected


# ------------------------------------------------------------------------------------- (b) content


def test_every_rendered_file_parses_without_problems(custom: Settings, tmp_path: Path) -> None:
    files = render(custom, tmp_path / "etc")
    assert set(files) == RENDERED_FILES
    for name, path in files.items():
        conf = parse_config(path)
        assert [str(p) for p in conf.problems] == [], name
        assert conf.sections, name
    extensions = parse_config(files["extensions.conf"])
    assert sorted(extensions.included) == sorted(p for n, p in files.items() if n.startswith("dialplans/"))


def test_every_rendered_file_names_its_template(defaults: Settings) -> None:
    for item in render_texts(defaults):
        assert item.text.startswith(f"; Generated by `callhive asterisk render` from {item.template}.\n")
        assert (REPO / item.template).is_file()
        assert item.template.endswith(f"/{Path(item.target).name}.j2")


def test_rendering_is_deterministic(custom: Settings, tmp_path: Path) -> None:
    first = render(custom, tmp_path / "one")
    second = render(custom, tmp_path / "two")
    assert sorted(first) == sorted(second)
    for name in first:
        assert first[name].read_bytes() == second[name].read_bytes(), name


def test_pjsip_agents_use_the_templates(custom: Settings, tmp_path: Path) -> None:
    pjsip = parse_config(render(custom, tmp_path)["pjsip.conf"])
    for name in ("agent-phone", "agent-phone-auth", "agent-phone-aor"):
        assert pjsip.section(name).is_template
    transport = pjsip.section("transport-udp", "transport")
    assert transport.get("protocol") == "udp"
    for agent in AGENTS:
        endpoint: Section = pjsip.section(agent, "endpoint")
        assert endpoint.templates == ("agent-phone",)
        assert not endpoint.is_template
        # Inherited from the template, so the inheritance really resolved.
        assert endpoint.get("transport") == "transport-udp"
        assert endpoint.get("context") == "agents"
        assert endpoint.get("direct_media") == "no"
        assert endpoint.get("auth") == agent
        assert endpoint.get("aors") == agent
        auth = pjsip.section(agent, "auth")
        assert auth.templates == ("agent-phone-auth",)
        assert auth.get("username") == agent
        assert auth.get("password")
        aor = pjsip.section(agent, "aor")
        assert aor.templates == ("agent-phone-aor",)
        assert int(aor.get("qualify_frequency") or "0") > 0
    endpoints = [s.name for s in pjsip.sections if s.get("type") == "endpoint" and not s.is_template]
    assert endpoints == list(AGENTS)


def test_fallback_queue_has_no_static_members(custom: Settings, tmp_path: Path) -> None:
    files = render(custom, tmp_path)
    queues = parse_config(files["queues.conf"])
    queue_names = [s.name for s in queues.sections if s.name != "general"]
    assert queue_names == ["fallback"]
    fallback = queues.section("fallback")
    assert fallback.get("ringinuse") == "no"
    assert [key for key, _ in fallback.items() if key.startswith("member")] == []
    # The dialplan queues into exactly that queue, and voicemails into a mailbox that exists.
    inbound = context_lines(parse_config(files["dialplans/inbound.conf"]), "inbound")
    assert any("Queue(fallback," in line for line in inbound)
    mailbox = re.search(r"VoiceMail\((\w+)@([\w-]+)", "\n".join(inbound))
    assert mailbox is not None
    voicemail = parse_config(files["voicemail.conf"])
    assert voicemail.section(mailbox[2]).get(mailbox[1])


def test_manager_conf_matches_settings(custom: Settings, tmp_path: Path) -> None:
    manager = parse_config(render(custom, tmp_path)["manager.conf"])
    general = manager.section("general")
    assert general.get("enabled") == "yes"
    assert general.get("bindaddr") == "127.0.0.1"
    assert general.get("port") == "5039"
    user = manager.section("hive-ami")
    assert user.get("secret") == "s3cr3t-x"
    assert user.get("permit") == "127.0.0.1/255.255.255.255"
    # Filter needs "system", Originate "originate", QueueAdd/QueuePause "agent".
    assert {"system", "call", "agent", "originate"} <= set((user.get("write") or "").split(","))
    assert {"call", "agent"} <= set((user.get("read") or "").split(","))
    excluded = {
        key.removeprefix("eventfilter(action(exclude),name(").removesuffix("))")
        for key, value in user.items()
        if key.startswith("eventfilter(action(exclude),name(") and value == ""
    }
    assert {"VarSet", "Newexten", "RTCPSent", "RTCPReceived"} <= excluded


def test_ari_and_http_conf_match_settings(custom: Settings, tmp_path: Path) -> None:
    files = render(custom, tmp_path)
    ari = parse_config(files["ari.conf"])
    assert ari.section("general").get("enabled") == "yes"
    user = ari.section("hive-ari")
    assert user.get("type") == "user"
    assert user.get("password") == "ari-pw-7"
    assert user.get("password_format") == "plain"
    http = parse_config(files["http.conf"]).section("general")
    assert http.get("enabled") == "yes"
    assert http.get("bindaddr") == "127.0.0.1"
    assert http.get("bindport") == "9099"
    assert http.get("prefix") is None


def test_inbound_hands_numbers_to_the_configured_app_with_a_fallback(custom: Settings, tmp_path: Path) -> None:
    files = render(custom, tmp_path)
    lines = context_lines(parse_config(files["dialplans/inbound.conf"]), "inbound")
    ringing = first_index(lines, "Ringing()")
    stasis = first_index(lines, "Stasis(hive2,inbound,${EXTEN})")
    failed = first_index(lines, '$["${STASISSTATUS}" != "FAILED"]')
    queue = first_index(lines, "Queue(fallback,")
    voicemail = first_index(lines, "VoiceMail(")
    assert ringing < stasis < failed < queue < voicemail
    # The app comes from the settings everywhere, it is not written into a template.
    for name, path in files.items():
        assert "Stasis(callhive" not in path.read_text(encoding="utf-8"), name


def test_agent_feature_codes_and_amd_go_to_the_app(custom: Settings, tmp_path: Path) -> None:
    files = render(custom, tmp_path)
    agents = parse_config(files["dialplans/agents.conf"])
    codes = {line.split(",")[0]: line for line in context_lines(agents, "agents")}
    for code, feature in (("*91", "ready"), ("*92", "break"), ("*93", "logout")):
        assert f"Goto(agent-feature,{feature},1)" in codes[f"exten => {code}"]
    feature_lines = context_lines(agents, "agent-feature")
    assert "Stasis(hive2,feature,${EXTEN},${CHANNEL(endpoint)})" in feature_lines[0]
    outbound = context_lines(parse_config(files["dialplans/outbound.conf"]), "outbound-amd")
    assert outbound[0].startswith("exten => detect,1,")
    assert first_index(outbound, "AMD()") < first_index(outbound, "Stasis(hive2,amd,${AMDSTATUS},${AMDCAUSE})")
    modules = parse_config(files["modules.conf"]).section("modules")
    required = set(modules.values("require"))
    assert {"app_amd.so", "res_ari.so", "res_stasis.so", "app_queue.so", "chan_pjsip.so"} <= required
    assert "amd.conf" in files


def test_settings_values_are_escaped_or_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, {"CALLHIVE_AMI_SECRET": "semi;colon", "CALLHIVE_AMI_HOST": "10.0.0.5"})
    manager_path = render(settings, tmp_path / "etc")["manager.conf"]
    assert "secret = semi\\;colon\n" in manager_path.read_text(encoding="utf-8")
    manager = parse_config(manager_path)
    assert manager.section("general").get("bindaddr") == "10.0.0.5"
    # Listening elsewhere does not open the user to everyone: the engine's host must be added by hand.
    assert manager.section("callhive").values("permit") == ["127.0.0.1/255.255.255.255"]
    assert manager.section("callhive").get("secret") == "semi;colon"
    with pytest.raises(CallhiveError, match="line break"):
        render_texts(load_settings(None, {"CALLHIVE_ARI_PASSWORD": "two\nlines"}))
    with pytest.raises(CallhiveError, match="section name"):
        render_texts(load_settings(None, {"CALLHIVE_AMI_USERNAME": "bad]name"}))
    with pytest.raises(CallhiveError, match="must end in /ari"):
        render_texts(load_settings(None, {"CALLHIVE_ARI_URL": "http://127.0.0.1:8088/rest"}))


def test_ari_url_prefix_and_tls_go_to_http_conf(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, {"CALLHIVE_ARI_URL": "https://127.0.0.1:8089/asterisk/ari"})
    http = parse_config(render(settings, tmp_path / "etc")["http.conf"]).section("general")
    assert http.get("prefix") == "asterisk"
    assert (http.get("tlsenable"), http.get("tlsbindaddr")) == ("yes", "127.0.0.1:8089")


def test_missing_template_folder_is_a_clear_error(defaults: Settings, tmp_path: Path) -> None:
    with pytest.raises(CallhiveError, match=r"template folder not found: .*asterisk-conf"):
        render_texts(defaults, root=tmp_path)


# ----------------------------------------------------------------------------------- (c) no drift


def test_committed_rendered_files_match_a_fresh_render(defaults: Settings) -> None:
    folder_of = {sub: folder for folder, sub in TEMPLATE_SETS}
    expected = {}
    for item in render_texts(defaults):
        sub, _, name = item.target.rpartition("/")
        expected[f"{folder_of[sub]}/{name}"] = item.text
    committed = {
        path.relative_to(REPO).as_posix(): path.read_text(encoding="utf-8")
        for folder, _ in TEMPLATE_SETS
        for path in (REPO / folder).glob("*.conf")
    }
    hint = "re-render: python -c 'from engine.config import load_settings; from engine.asterisk import "
    hint += "render_in_repo; render_in_repo(load_settings(None, {}))'"
    assert sorted(committed) == sorted(expected), hint
    for name, text in expected.items():
        assert committed[name] == text, f"{name} differs from its template; {hint}"


# --------------------------------------------------------------------------------- (d) confparse


def test_confparse_includes_resolve_against_the_including_file() -> None:
    main = FIXTURES / "includes" / "main.conf"
    conf = parse_config(main)
    missing = main.parent / "sub" / "missing.conf"
    # #tryinclude of a missing file is fine; the missing #include is reported with file and line.
    assert [str(p) for p in conf.problems] == [
        f"{main}:3: #include 'sub/missing.conf' does not resolve (looked for {missing})"
    ]
    # sub/inner.conf includes leaf.conf: sub/leaf.conf, not includes/leaf.conf ([wrong]).
    assert [s.name for s in conf.sections] == ["a", "included", "leaf"]
    assert conf.section("included").get("key") == "1"
    assert conf.section("leaf").entries == [("x", "y")]


def test_confparse_reports_an_undefined_template_with_file_and_line() -> None:
    path = FIXTURES / "templates.conf"
    conf = parse_config(path)
    assert [str(p) for p in conf.problems] == [
        f"{path}:4: [1001] uses template 'nosuch', not defined before it",
        f"{path}:6: [late] uses template 'after', not defined before it",
    ]
    endpoint = conf.section("1001")
    assert endpoint.templates == ("base", "nosuch")
    assert endpoint.items() == [("type", "endpoint"), ("auth", "1001")]


def test_confparse_syntax() -> None:
    conf = parse_config(FIXTURES / "syntax.conf")
    assert [s.name for s in conf.sections] == ["t", "s"]
    # "b = 2" follows the end of the block comment on the same line, so it is in [t] and inherited.
    assert conf.section("t").items() == [("a", "1"), ("b", "2")]
    s = conf.section("s")
    expected = [("a", "1"), ("b", "2"), ("a", "override"), ("exten", "s,1,NoOp(x)"), ("pw", "x;y"), ("c", "3")]
    assert s.items() == expected
    assert s.get("a") == "override"
    assert [(p.line, p.message.split(":")[0]) for p in conf.problems] == [
        (13, "neither a [section], a key = value nor a #include"),
        (14, "malformed section header"),
        (15, "unsupported directive"),
    ]


def test_confparse_reports_settings_outside_sections_and_open_block_comments() -> None:
    path = FIXTURES / "outside.conf"
    conf = parse_config(path)
    assert [str(p) for p in conf.problems] == [
        f"{path}:1: setting 'key' outside of any [section]",
        f"{path}:3: block comment ';--' is never closed with '--;'",
    ]
    assert conf.section("a").entries == []
    assert parse_config_text("[x]\n#include nope.conf\n", Path("virtual.conf")).problems[0].line == 2
