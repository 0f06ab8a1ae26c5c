// Native firewall doors (Open = 22/tcp): on a completed knock, open the ports for the knocking
// address only, with the firewall's own timeout (firewalld rich rule with a timeout, or an nft
// set element with a timeout), so the window closes even if the agent is dead. Every window is
// in the journal; a restart closes what is past due and re-applies what is not; firewalld's
// Reloaded signal (firewall-cmd --reload drops runtime rules) re-applies open windows.
import { Door, IpFamily, Knock } from '../types.js';
import { AgentLog } from '../log/agent-log.js';
import { FirewalldClient, FirewalldError } from './firewalld-client.js';
import { NftablesClient } from './nftables-client.js';
import { ExpiryJournal, FirewallEntry, JournalEntry, entryKey, isFirewallEntry } from '../state/expiry-journal.js';
import { richRule } from './rich-rule.js';

const RECONNECT_BACKOFF_MS = 2000;

export interface FirewallOpenerDeps {
  connectFirewalld?: () => Promise<FirewalldClient>;
  nft?: NftablesClient;
  now?: () => number;
}

const portsText = (ports: Knock[]) => ports.map((k) => `${k.port}/${k.proto}`).join(', ');

export class FirewallOpener {
  private firewalld?: FirewalldClient;
  private connecting?: Promise<FirewalldClient>;
  private lastConnectFailure = 0;
  private readonly defaultZones = new Map<FirewalldClient, string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly connectFirewalld: () => Promise<FirewalldClient>;
  private readonly nft: NftablesClient;
  private readonly now: () => number;
  private guarded = '';

  constructor(private readonly log: AgentLog, private readonly journal: ExpiryJournal, deps: FirewallOpenerDeps = {}) {
    this.connectFirewalld = deps.connectFirewalld ?? (() => FirewalldClient.connect());
    this.nft = deps.nft ?? new NftablesClient();
    this.now = deps.now ?? Date.now;
  }

  /** Start-up: set up nftables if used, then close or re-apply what the journal holds. */
  async start(doors: Door[]): Promise<void> {
    await this.setDoors(doors, { reapply: false });
    const entries = this.journal.all().filter(isFirewallEntry);
    if (entries.some((e) => e.kind === 'firewalld') || doors.some((d) => d.firewall?.backend === 'firewalld')) {
      await this.client().catch((e: Error) => this.log.error(`firewalld: ${e.message}; firewalld doors will fail until it is reachable`));
    }
    await Promise.all(entries.map((e) => this.restore(e)));
  }

  /** After a reload: the nftables guard follows the doors' Open ports. */
  async setDoors(doors: Door[], opts: { reapply: boolean } = { reapply: true }): Promise<void> {
    const guarded = doors.flatMap((d) => (d.firewall?.backend === 'nftables' && !d.disabled ? d.firewall.open : []));
    const signature = guarded.map((k) => `${k.proto}/${k.port}`).sort().join(',');
    const nftInUse = guarded.length > 0 || this.journal.all().some((e) => e.kind === 'nftables');
    if (!nftInUse || signature === this.guarded) return;
    try {
      await this.nft.setup(guarded);
      this.guarded = signature;
      this.log.verbose(`nftables: table inet knocker guards ${portsText(guarded) || 'nothing'}`);
    } catch (e) {
      this.log.error(`nftables: ${(e as Error).message}`);
      return;
    }
    // Recreating the table dropped its elements: put back what is still open.
    if (opts.reapply) await Promise.all(this.journal.all().filter((e): e is FirewallEntry => e.kind === 'nftables').map((e) => this.restore(e)));
  }

  /** A knock completed on a door with Open =: open (or refresh) its ports for `src`. */
  async open(door: Door, src: string, family: IpFamily): Promise<void> {
    const fw = door.firewall;
    if (!fw || fw.open.length === 0) return;
    const entry: FirewallEntry = { kind: fw.backend, door: door.name, src, family, deadline: this.now() + fw.seconds * 1000, ports: fw.open, zone: fw.zone };
    if (!this.journal.hasRoom(entry)) {
      this.log.verbose(`${src}: ${door.name}: journal full, not opening ${portsText(fw.open)} for ${src}`);
      return;
    }
    const t0 = this.now();
    try {
      entry.zone = await this.apply(entry, fw.seconds);
    } catch (e) {
      this.log.error(`${src}: ${door.name}: cannot open ${portsText(fw.open)} for ${src}: ${(e as Error).message}`);
      return;
    }
    // Open only once journaled: a restart right after this line re-applies or closes it.
    try {
      await this.journal.put(entry);
    } catch (e) {
      this.log.error(`${src}: ${door.name}: ${portsText(fw.open)} for ${src} is open but not journaled (${(e as Error).message}): a restart will not re-apply it; the firewall's own timeout closes it`);
      return;
    }
    this.schedule(entry);
    this.log.log(`${src}: ${door.name}: opened ${portsText(fw.open)} for ${src} for ${fw.seconds} s (${this.where(entry)}, ${this.now() - t0} ms)`);
  }

  /** Shutdown: windows stay open until their deadline (the firewall closes them); keep the journal. */
  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.firewalld?.close();
    this.firewalld = undefined;
  }

  private where(e: FirewallEntry): string {
    return e.kind === 'firewalld' ? `firewalld zone ${e.zone}` : 'nftables';
  }

  /** Put the entry's rules in place for `seconds`. */
  private async apply(e: FirewallEntry, seconds: number): Promise<string | undefined> {
    if (e.kind === 'nftables') {
      await Promise.all(e.ports.map((k) => this.nft.open(e.src, k, seconds)));
      return undefined;
    }
    const client = await this.client();
    const zone = e.zone ?? (await this.defaultZone(client));
    await Promise.all(
      e.ports.map(async (k) => {
        const rule = richRule(e.src, k);
        const timeout = Math.max(1, Math.ceil(seconds));
        try {
          await client.addRichRule(zone, rule, timeout);
        } catch (err) {
          // A rule that exists keeps its old timeout: remove it, then add it again.
          if ((err as FirewalldError).code !== 'ALREADY_ENABLED') throw err;
          await client.removeRichRule(zone, rule);
          await client.addRichRule(zone, rule, timeout);
        }
      }),
    );
    return zone;
  }

  private async remove(e: FirewallEntry): Promise<void> {
    if (e.kind === 'nftables') {
      await Promise.all(e.ports.map((k) => this.nft.close(e.src, k)));
      return;
    }
    const client = await this.client();
    const zone = e.zone ?? (await this.defaultZone(client));
    await Promise.all(e.ports.map((k) => client.removeRichRule(zone, richRule(e.src, k))));
  }

  /** At start-up or after the firewall lost its rules: close if due, else re-apply for the time left. */
  private async restore(e: FirewallEntry): Promise<void> {
    const left = e.deadline - this.now();
    try {
      if (left <= 0) {
        await this.remove(e);
        this.journal.delete(entryKey(e));
        this.log.log(`${e.src}: ${e.door}: closed ${portsText(e.ports)} (its deadline passed while the agent was not running)`);
        return;
      }
      await this.apply(e, left / 1000);
      this.schedule(e);
      this.log.log(`${e.src}: ${e.door}: re-applied ${portsText(e.ports)} for the remaining ${Math.ceil(left / 1000)} s (${this.where(e)})`);
    } catch (err) {
      this.log.error(`${e.src}: ${e.door}: cannot restore ${portsText(e.ports)}: ${(err as Error).message}`);
    }
  }

  /** Our own close at the deadline: the firewall's timeout does it too; this logs it and tidies up. */
  private schedule(e: FirewallEntry): void {
    const key = entryKey(e);
    const old = this.timers.get(key);
    if (old) clearTimeout(old);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if ((this.journal.get(key) as JournalEntry | undefined)?.deadline !== e.deadline) return;
        this.journal.delete(key);
        this.remove(e).then(
          () => this.log.log(`${e.src}: ${e.door}: closed ${portsText(e.ports)} (window ended)`),
          (err: Error) => this.log.error(`${e.src}: ${e.door}: closing ${portsText(e.ports)}: ${err.message} (the firewall's own timeout still closes it)`),
        );
      }, Math.max(0, e.deadline - this.now())),
    );
  }

  private async defaultZone(client: FirewalldClient): Promise<string> {
    let zone = this.defaultZones.get(client);
    if (!zone) {
      zone = await client.defaultZone();
      this.defaultZones.set(client, zone);
    }
    return zone;
  }

  /** The firewalld connection, made on first use and again after it broke (throttled). */
  private client(): Promise<FirewalldClient> {
    if (this.firewalld) return Promise.resolve(this.firewalld);
    if (this.connecting) return this.connecting;
    if (this.now() - this.lastConnectFailure < RECONNECT_BACKOFF_MS) return Promise.reject(new Error('firewalld unreachable (retrying shortly)'));
    this.connecting = this.connectFirewalld().then(
      (client) => {
        this.connecting = undefined;
        this.firewalld = client;
        client.on('reloaded', () => this.onFirewalldReloaded());
        client.on('error', (e: Error) => {
          this.log.error(`firewalld: ${e.message}; reconnecting on the next knock`);
          if (this.firewalld === client) this.firewalld = undefined;
        });
        return client;
      },
      (e: Error) => {
        this.connecting = undefined;
        this.lastConnectFailure = this.now();
        throw e;
      },
    );
    return this.connecting;
  }

  private onFirewalldReloaded(): void {
    const open = this.journal.all().filter((e): e is FirewallEntry => e.kind === 'firewalld');
    this.log.log(`firewalld reloaded: re-applying ${open.length} open window(s)`);
    for (const e of open) void this.restore(e);
  }
}
