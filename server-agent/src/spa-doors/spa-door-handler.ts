// SPA doors at run time: a captured UDP datagram on an SPA door's port -> fwknopd's checks in
// its order (fwknop-spa.md §5): size and charset, source allowed, replay cache, then per door
// HMAC -> decrypt -> digest -> fields (spa/spa-decode.ts), record the digest, age, NAT and
// command refusals, allow-address, ports allowed -> the caller opens. Every refusal is one
// knockd-style line, rate-limited (bad-packet-log.ts).
import { Door, IpFamily, Packet } from '../types.js';
import { AgentLog } from '../log/agent-log.js';
import { ExpiryJournal, JournalEntry, entryKey } from '../state/expiry-journal.js';
import { SpaAccess } from '../spa/spa-access.js';
import { SpaDecodeResult, SpaRequest, decodeSpaPacket } from '../spa/spa-decode.js';
import { SpaDigestType } from '../spa/spa-digest.js';
import { SpaKeys, checkPayload } from '../spa/spa-packet.js';
import { SpaReplaySet, spaReplayDigest } from '../spa/spa-replay.js';
import { SpaError } from '../spa/spa-error.js';
import { BadPacketLog } from './bad-packet-log.js';
import { spaSourceMatcher } from './spa-sources.js';

/** What an accepted request opens. */
export interface SpaGrant {
  door: Door;
  /** the address to open for (from the message, or the packet's source for 0.0.0.0) */
  allowIp: string;
  family: IpFamily;
  access: SpaAccess[];
  seconds: number;
}

interface LiveDoor {
  door: Door;
  keys: SpaKeys;
  sourceOk: (addr: string, family: IpFamily) => boolean;
}

/** Replay digests kept in memory at most (a flood of valid packets needs the keys). */
const MAX_REPLAY_ENTRIES = 100_000;

const accessText = (a: SpaAccess[]): string => a.map((x) => `${x.proto}/${x.port}`).join(',');

export class SpaDoors {
  private byPort = new Map<number, LiveDoor[]>();
  private replay?: SpaReplaySet;
  private readonly badLog: BadPacketLog;

  constructor(
    doors: Door[],
    private readonly deps: { log: AgentLog; journal: ExpiryJournal; grant: (g: SpaGrant) => void; now?: () => number },
  ) {
    this.badLog = new BadPacketLog((l, verboseOnly) => (verboseOnly ? deps.log.verbose(l) : deps.log.log(l)), deps.now);
    this.setDoors(doors);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** The running config's SPA doors (after a reload: the replay memory stays). */
  setDoors(doors: Door[]): void {
    this.byPort = new Map();
    let maxAge = 0;
    for (const door of doors) {
      const spa = door.spa;
      if (!spa || door.disabled) continue;
      const live: LiveDoor = { door, keys: { key: spa.key, hmacKey: spa.hmacKey, hmacType: spa.hmacDigest as SpaDigestType }, sourceOk: spaSourceMatcher(spa.sources) };
      this.byPort.set(spa.port, [...(this.byPort.get(spa.port) ?? []), live]);
      maxAge = Math.max(maxAge, spa.maxAge);
    }
    // A packet is accepted for maxAge either side of its timestamp: keep digests twice that.
    const ttl = Math.max(1, 2 * maxAge) * 1000;
    if (ttl !== this.replay?.ttlMs) {
      this.replay = new SpaReplaySet(ttl, MAX_REPLAY_ENTRIES);
      this.restore(this.deps.journal.all());
    }
  }

  get active(): boolean {
    return this.byPort.size > 0;
  }

  /** Digests from the journal (an earlier run) go back into the replay memory; expired ones go. */
  restore(entries: JournalEntry[]): void {
    const now = this.now();
    for (const e of entries) {
      if (e.kind !== 'spa') continue;
      if (e.deadline <= now) this.deps.journal.delete(entryKey(e));
      else this.replay?.add(e.digest, now);
    }
  }

  /** A captured packet: ours when it is UDP to an SPA door's port. */
  handle(pkt: Packet): void {
    if (pkt.protocol !== 17 || !pkt.payload) return;
    const doors = this.byPort.get(pkt.dport);
    if (!doors) return;
    const src = pkt.src;
    let text: string;
    try {
      text = checkPayload(pkt.payload);
    } catch (e) {
      // Not SPA-shaped (a scan, junk): a verbose line at most.
      if (this.deps.log.verbosing) this.badLog.line(src, `${src}: ${doors[0].door.name}: not an SPA packet: ${(e as SpaError).message}`, true);
      return;
    }
    const candidates = doors.filter((d) => d.sourceOk(src, pkt.family));
    if (candidates.length === 0) {
      this.badLog.line(src, `${src}: ${doors[0].door.name}: SPA packet from a source not allowed (SPA_Source): refused`);
      return;
    }
    const now = this.now();
    const digest = spaReplayDigest(text);
    if (this.replay?.has(digest, now)) {
      this.badLog.line(src, `${src}: ${candidates[0].door.name}: SPA packet replayed (seen before): refused`);
      return;
    }
    let failed: { live: LiveDoor; result: SpaDecodeResult & { ok: false } } | undefined;
    for (const live of candidates) {
      const result = decodeSpaPacket(text, live.keys, { nowMs: now, maxAgeSeconds: live.door.spa?.maxAge ?? 120 });
      if (!result.ok && !result.request) {
        failed ??= { live, result };
        continue; // not this door's keys: fwknopd tries the next stanza
      }
      const req = result.request as SpaRequest;
      this.remember(digest, req, live.door, pkt, now);
      if (!result.ok) {
        this.badLog.line(src, `${src}: ${live.door.name}: SPA ${refusal(result.code)}: ${result.reason}: refused`);
        return;
      }
      this.grant(live.door, req, pkt);
      return;
    }
    if (failed) this.badLog.line(src, `${src}: ${failed.live.door.name}: SPA ${refusal(failed.result.code)}: ${failed.result.reason}: refused`);
  }

  /** fwknopd records a decoded packet before its age and policy checks: so do we, on disk. */
  private remember(digest: string, req: SpaRequest, door: Door, pkt: Packet, now: number): void {
    this.replay?.add(digest, now);
    const maxAge = door.spa?.maxAge ?? 120;
    const deadline = Math.max(now, (req.timestamp + maxAge) * 1000) + 1000;
    // The journal reports a failed write itself; the in-memory replay set already holds the digest.
    void this.deps.journal.put({ kind: 'spa', door: door.name, src: pkt.src, family: pkt.family, deadline, digest }).catch(() => undefined);
    for (const e of this.deps.journal.all()) if (e.kind === 'spa' && e.deadline <= now) this.deps.journal.delete(entryKey(e));
  }

  private grant(door: Door, req: SpaRequest, pkt: Packet): void {
    const spa = door.spa;
    const fw = door.firewall;
    if (!spa || !fw) return;
    const src = pkt.src;
    let allowIp = req.allowIp;
    let family: IpFamily = 4;
    if (allowIp === '0.0.0.0') {
      if (spa.requireSource) {
        this.badLog.line(src, `${src}: ${door.name}: SPA message asks for the packet's source (0.0.0.0) but SPA_Require_Source_Address is set (send with fwknop -a ADDRESS or -R): refused`);
        return;
      }
      allowIp = src;
      family = pkt.family;
    }
    const denied = req.access.filter((a) => !fw.open.some((o) => o.port === a.port && o.proto === a.proto));
    if (denied.length > 0) {
      this.badLog.line(src, `${src}: ${door.name}: SPA request for ${accessText(denied)} not allowed (Open = ${accessText(fw.open)}): refused`);
      return;
    }
    const seconds = req.clientTimeout && req.clientTimeout > 0 ? Math.min(req.clientTimeout, spa.maxOpenSeconds) : fw.seconds;
    this.deps.log.log(`${src}: ${door.name}: OPEN SESAME (SPA, user ${req.username}: ${accessText(req.access)} for ${allowIp}, ${seconds} s)`);
    this.deps.grant({ door, allowIp, family, access: req.access, seconds });
  }
}

function refusal(code: string): string {
  switch (code) {
    case 'hmac':
      return 'bad HMAC';
    case 'too-old':
      return 'packet too old';
    case 'future':
      return 'packet from the future';
    case 'nat':
      return 'NAT message not supported';
    case 'command':
      return 'command message not supported';
    default:
      return `packet not valid (${code})`;
  }
}
