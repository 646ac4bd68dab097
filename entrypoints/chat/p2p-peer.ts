// The WebRTC side of a peer-to-peer chat, in the chat page (an extension page: RTCPeerConnection exists there
// in Chrome and Firefox alike, unlike in Chrome's MV3 service worker). It only moves opaque chat frames
// between the data channel and the background, which holds the session and every key
// (docs/CHAT-PROTOCOL.md, "Peer-to-peer transport"). No STUN or TURN server: host candidates only.
import { fromBase64Url, toBase64Url } from '@/lib/bytes';
import type { PageToBackground } from '@/lib/protocol/chat-port';

/** Gathering stops here at the latest: host candidates come within milliseconds. */
const GATHER_MS = 3_000;
/**
 * The channel must open within this time, else there is no direct path: the inviter applies the answer last
 * and connects at once; the joiner also waits for the inviter's page to show the answer in the host chat.
 */
const CONNECT_MS = { inviter: 20_000, joiner: 120_000 };

export class P2PPeer {
  private readonly pc = new RTCPeerConnection({ iceServers: [] });
  // Negotiated on both sides with one id: no in-band open message, the same channel either way.
  private readonly channel = this.pc.createDataChannel('c2c', { negotiated: true, id: 0, ordered: true });
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private done = false;

  constructor(private readonly post: (m: PageToBackground) => void) {
    this.channel.binaryType = 'arraybuffer';
    this.channel.onopen = () => void this.opened();
    this.channel.onmessage = (e: MessageEvent) => {
      if (e.data instanceof ArrayBuffer) this.post({ t: 'p2p-frame', frame: toBase64Url(new Uint8Array(e.data)) });
    };
    this.channel.onclose = () => this.fail();
    this.pc.oniceconnectionstatechange = () => {
      if (this.pc.iceConnectionState === 'failed') this.fail();
    };
  }

  async offer(): Promise<void> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await this.reportLocal();
  }

  async answer(remote: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: remote });
    this.startConnectTimer(CONNECT_MS.joiner);
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await this.reportLocal();
  }

  async remote(answer: string): Promise<void> {
    this.startConnectTimer(CONNECT_MS.inviter);
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answer });
  }

  send(frame: string): void {
    if (this.channel.readyState === 'open') this.channel.send(new Uint8Array(fromBase64Url(frame)));
  }

  close(): void {
    this.done = true;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.channel.close();
    this.pc.close();
  }

  private startConnectTimer(ms: number): void {
    this.connectTimer ??= setTimeout(() => {
      if (this.channel.readyState !== 'open') this.fail();
    }, ms);
  }

  private async reportLocal(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.pc.iceGatheringState === 'complete') return resolve();
      const timer = setTimeout(resolve, GATHER_MS);
      this.pc.addEventListener('icegatheringstatechange', () => {
        if (this.pc.iceGatheringState !== 'complete') return;
        clearTimeout(timer);
        resolve();
      });
    });
    this.post({ t: 'p2p-local', sdp: this.pc.localDescription?.sdp ?? '' });
  }

  private async opened(): Promise<void> {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.post({ t: 'p2p-open', fingerprint: await this.remoteFingerprint() });
  }

  /** The certificate the DTLS peer used, as the browser's statistics report it (Chromium); null where they do not. */
  private async remoteFingerprint(): Promise<string | null> {
    try {
      const stats = await this.pc.getStats();
      let certificateId: string | undefined;
      stats.forEach((s: { type: string; remoteCertificateId?: string }) => {
        if (s.type === 'transport' && s.remoteCertificateId) certificateId = s.remoteCertificateId;
      });
      const certificate = certificateId ? (stats.get(certificateId) as { fingerprint?: string; fingerprintAlgorithm?: string } | undefined) : undefined;
      if (!certificate?.fingerprint || certificate.fingerprintAlgorithm?.toLowerCase() !== 'sha-256') return null;
      return certificate.fingerprint.replaceAll(':', '').toLowerCase();
    } catch {
      return null;
    }
  }

  private fail(): void {
    if (this.done) return;
    this.done = true;
    this.post({ t: 'p2p-failed' });
  }
}
