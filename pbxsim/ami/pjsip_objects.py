"""The objects PJSIPShowEndpoint lists, as Asterisk 22.10.1 printed them: field names, order and the values of
the recorded configuration (etc/pjsip-lab.conf agents, etc/pjsip.conf `loop`).

Data, not logic: copied from transcripts/ami_register_devicestate (endpoint, auth, transport and aor of
softphone 1003) and ami_pjsip_loop_queue_call (identify of the static endpoint `loop`). The order is
res_pjsip's sorcery field order (the same for every endpoint recorded). `pbxsim.ami.pjsip` overrides the
per-object values (names, context, caller id, contacts, device state); everything else is the recorded value
of every simulated endpoint. An empty value is written `Key:` here (no trailing blank) and sent as `Key: `.
"""

from __future__ import annotations

from pbxsim.ami.codec import Header


def _fields(text: str) -> tuple[Header, ...]:
    return tuple((key, value.strip()) for key, _, value in (line.partition(":") for line in text.splitlines()))


# EndpointDetail (softphone 1003; Callerid, Allow, RewriteContact, Auth differ for a static endpoint).
ENDPOINT = _fields(
    """\
ObjectType: endpoint
ObjectName: 1003
RpidImmediate: false
Webrtc: no
Ignore183WithoutSdp: false
SendAoc: false
DeviceStateBusyAt: 0
T38UdptlMaxdatagram: 0
CodecPrefsIncomingAnswer: prefer:pending, operation:intersect, keep:all, transcode:allow
SecurityNegotiation: no
DtlsRekey: 0
RtpPortEnd: 0
NamedPickupGroup:
DirectMediaMethod: invite
SendRpid: false
PickupGroup:
SdpSession: Asterisk
DtlsVerify: No
MessageContext:
Tenantid:
Mailboxes:
RecordOnFeature: automixmon
DtlsPrivateKey:
DtlsFingerprint: SHA-256
OverlapContext:
OutgoingCallOfferPref: remote_merge
RtpPortStart: 0
FromDomain:
TimersSessExpires: 1800
NamedCallGroup:
DtlsCipher:
MediaEncryptionOptimistic: false
SuppressQ850ReasonHeaders: false
Aors: 1003
IdentifyBy: username,ip
CalleridPrivacy: allowed_not_screened
MwiSubscribeReplacesUnsolicited: no
CosAudio: 0
FollowEarlyMediaFork: true
Context: agents
RtpSymmetric: true
Transport: transport-udp
MohSuggest: default
T38Udptl: false
FaxDetect: false
T38BindUdptlToMediaAddress: false
TosVideo: 0
SrtpTag32: false
ReferBlindProgress: true
MaxAudioStreams: 1
Bundle: false
UseAvpf: false
CallGroup:
SendConnectedLine: yes
FaxDetectTimeout: 0
SdpOwner: -
ForceRport: true
CalleridTag:
RtpTimeoutHold: 0
SuppressMohOnSendonly: false
UsePtime: false
MediaAddress: 127.0.0.1
VoicemailExtension:
RtpTimeout: 0
StirShaken: no
SetVar:
ContactAcl:
PreferredCodecOnly: false
GeolocOutgoingCallProfile:
ForceAvp: false
RecordOffFeature: automixmon
FromUser:
SendDiversion: true
SendHistoryInfo: false
T38UdptlIpv6: false
ToneZone:
Language:
AllowSubscribe: true
RtpIpv6: false
Callerid: "Agent 1003" <1003>
MohPassthrough: false
CosVideo: 0
DtlsAutoGenerateCert: No
AsymmetricRtpCodec: false
GeolocIncomingCallProfile:
IceSupport: false
AggregateMwi: true
OneTouchRecording: false
MwiFromUser:
RedirectMethod: user
Accountcode:
CodecPrefsOutgoingAnswer: prefer:pending, operation:intersect, keep:all, transcode:allow
Allow: (ulaw|alaw)
RewriteContact: true
UserEqPhone: false
RtpEngine: asterisk
FollowRedirectMethods:
SubscribeContext:
NotifyEarlyInuseRinging: false
IncomingMwiMailbox:
IncomingCallOfferPref: local
AllowUnauthenticatedOptions: false
Auth: 1003
DirectMediaGlareMitigation: none
TrustIdInbound: false
StirShakenProfile:
BindRtpToMediaAddress: true
DisableDirectMediaOnNat: false
MediaEncryption: no
MediaUseReceivedTransport: false
AllowOverlap: true
DtmfMode: rfc4733
OutboundAuth:
TosAudio: 0
DtlsCertFile:
DtlsCaPath:
DtlsSetup: active
ConnectedLineMethod: invite
G726NonStandard: false
100rel: yes
Timers: yes
DirectMedia: false
Acl:
TimersMinSe: 90
TrustIdOutbound: false
SubMinExpiry: 0
RtcpMux: false
MaxVideoStreams: 1
AcceptMultipleSdpAnswers: false
CodecPrefsIncomingOffer: prefer:pending, operation:intersect, keep:all, transcode:allow
CodecPrefsOutgoingOffer: prefer:pending, operation:union, keep:all, transcode:allow
TrustConnectedLine: yes
SendPai: false
RtpKeepalive: 0
T38UdptlEc: none
T38UdptlNat: false
AllowTransfer: true
DtlsCaFile:
OutboundProxy:
InbandProgress: false
DeviceState: Unavailable
ActiveChannels: 0
"""
)

# AuthDetail (userpass; user name and password are the number, as in etc/pjsip-lab.conf).
AUTH = _fields(
    """\
ObjectType: auth
ObjectName: 1003
OauthSecret:
PasswordDigest:
SupportedAlgorithmsUas: MD5
RefreshToken:
Username: 1003
Md5Cred:
Realm:
AuthType: userpass
Password: 1003
SupportedAlgorithmsUac: MD5
NonceLifetime: 32
OauthClientid:
EndpointName: 1003
"""
)

# TransportDetail (transport-udp bound to 127.0.0.1:5060).
TRANSPORT = _fields(
    """\
ObjectType: transport
ObjectName: transport-udp
WebsocketWriteTimeout: 100
Cos: 0
TcpKeepaliveEnable: false
Protocol: udp
SymmetricTransport: false
Domain:
VerifyServer: No
LocalNet:
Bind: 127.0.0.1:5060
AllowWildcardCerts: No
TcpKeepaliveIntervalTime: 1
AsyncOperations: 1
ExternalMediaAddress:
Method: unspecified
ExternalSignalingAddress:
RequireClientCert: No
TcpKeepaliveIdleTime: 30
Tos: 0
CaListPath:
Cipher:
CertFile:
ExternalSignalingPort: 0
Password:
AllowReload: false
VerifyClient: No
TcpKeepaliveProbeCount: 5
PrivKeyFile:
CaListFile:
EndpointName: 1003
"""
)

# AorDetail (a softphone: max_contacts 1, remove_existing, qualify_frequency 30).
AOR = _fields(
    """\
ObjectType: aor
ObjectName: 1003
MinimumExpiration: 60
DefaultExpiration: 3600
QualifyTimeout: 3.000000
Qualify2xxOnly: false
Mailboxes:
SupportPath: false
RemoveUnavailable: false
VoicemailExtension:
MaxContacts: 1
AuthenticateQualify: false
Contacts: 1003/sip:1003@127.0.0.1:5070
MaximumExpiration: 7200
QualifyFrequency: 30
RemoveExisting: true
OutboundProxy:
TotalContacts: 1
ContactsRegistered: 1
EndpointName: 1003
"""
)

# IdentifyDetail (the static endpoint `loop`, identified by its address).
IDENTIFY = _fields(
    """\
ObjectType: identify
ObjectName: loop
Match: 127.0.0.1/255.255.255.255
MatchRequestUri:
SrvLookups: true
Endpoint: loop
MatchHeader:
EndpointName: loop
"""
)
