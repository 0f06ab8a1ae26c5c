// firewalld over D-Bus (npm dbus-next): a call costs ~6 ms where firewall-cmd costs ~180 ms
// (a Python process each time). Interface reference:
// https://firewalld.org/documentation/man-pages/firewalld.dbus.html
import { EventEmitter } from 'events';
import * as dbus from 'dbus-next';
import { CallLimiter } from './call-limiter.js';

const SERVICE = 'org.fedoraproject.FirewallD1';
const PATH = '/org/fedoraproject/FirewallD1';

/** A firewalld or D-Bus failure, with the reason in words a person can act on. */
export class FirewalldError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

/** firewalld's errors read "CODE: detail" (e.g. ALREADY_ENABLED, INVALID_ZONE). */
function firewalldCode(e: unknown): string | undefined {
  const text = (e as { text?: string; message?: string }).text ?? (e as Error).message ?? '';
  const m = /^([A-Z_]+)(?::|$)/.exec(text);
  return m ? m[1] : undefined;
}

export function describeDbusError(e: unknown, busAddress: string): FirewalldError {
  const type = (e as { type?: string }).type ?? '';
  const text = (e as { text?: string }).text ?? (e as Error).message ?? String(e);
  const code = firewalldCode(e);
  if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
    return new FirewalldError(`cannot reach the system D-Bus at ${busAddress} (is dbus running?)`, 'NO_BUS');
  }
  if (type === 'org.freedesktop.DBus.Error.ServiceUnknown' || type === 'org.freedesktop.DBus.Error.NameHasNoOwner') {
    return new FirewalldError('firewalld is not running (no owner of org.fedoraproject.FirewallD1 on the system bus)', 'NOT_RUNNING');
  }
  if (type === 'org.freedesktop.DBus.Error.AccessDenied' || code === 'NOT_AUTHORIZED') {
    return new FirewalldError(`D-Bus denied the call to firewalld: ${text} (run the agent as root)`, 'ACCESS_DENIED');
  }
  if (code === 'INVALID_ZONE') return new FirewalldError(`firewalld has no such zone: ${text}`, code);
  return new FirewalldError(`firewalld: ${text}`, code);
}

type Iface = dbus.ClientInterface & Record<string, (...args: unknown[]) => Promise<unknown>>;

export class FirewalldClient extends EventEmitter {
  private readonly limiter: CallLimiter;
  private constructor(
    private readonly bus: dbus.MessageBus,
    private readonly main: Iface,
    private readonly zone: Iface,
    private readonly props: Iface,
    readonly busAddress: string,
    maxInFlight: number,
  ) {
    super();
    this.limiter = new CallLimiter(maxInFlight);
    // firewall-cmd --reload drops runtime rules; the opener re-applies them on this signal.
    this.main.on('Reloaded', () => this.emit('reloaded'));
    bus.on('error', (e: Error) => this.emit('error', describeDbusError(e, busAddress)));
  }

  static async connect(opts: { maxInFlight?: number } = {}): Promise<FirewalldClient> {
    const address = process.env.DBUS_SYSTEM_BUS_ADDRESS || 'unix:path=/var/run/dbus/system_bus_socket';
    let bus: dbus.MessageBus | undefined;
    try {
      bus = dbus.systemBus();
      // Connection errors surface as 'error' events before any call fails; turn them into a rejection.
      const failed = new Promise<never>((_, reject) => bus!.once('error', reject));
      const obj = await Promise.race([bus.getProxyObject(SERVICE, PATH), failed]);
      const client = new FirewalldClient(
        bus,
        obj.getInterface(SERVICE) as Iface,
        obj.getInterface(`${SERVICE}.zone`) as Iface,
        obj.getInterface('org.freedesktop.DBus.Properties') as Iface,
        address,
        opts.maxInFlight ?? 32,
      );
      const state = await client.state();
      if (state !== 'RUNNING') throw new FirewalldError(`firewalld is ${state}, not RUNNING`, 'NOT_READY');
      return client;
    } catch (e) {
      bus?.disconnect();
      throw e instanceof FirewalldError ? e : describeDbusError(e, address);
    }
  }

  async state(): Promise<string> {
    const v = (await this.call(() => this.props.Get(SERVICE, 'state'))) as dbus.Variant;
    return String(v.value);
  }

  async defaultZone(): Promise<string> {
    return String(await this.call(() => this.main.getDefaultZone()));
  }

  async zones(): Promise<string[]> {
    return (await this.call(() => this.zone.getZones())) as string[];
  }

  /** Add a runtime rich rule that firewalld itself removes after `seconds`. */
  async addRichRule(zone: string, rule: string, seconds: number): Promise<void> {
    await this.call(() => this.zone.addRichRule(zone, rule, seconds));
  }

  /** Remove a rich rule; a rule that is not there is not an error. */
  async removeRichRule(zone: string, rule: string): Promise<void> {
    try {
      await this.call(() => this.zone.removeRichRule(zone, rule));
    } catch (e) {
      if ((e as FirewalldError).code !== 'NOT_ENABLED') throw e;
    }
  }

  async queryRichRule(zone: string, rule: string): Promise<boolean> {
    return Boolean(await this.call(() => this.zone.queryRichRule(zone, rule)));
  }

  close(): void {
    this.bus.disconnect();
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.limiter.run(fn);
    } catch (e) {
      throw e instanceof FirewalldError ? e : describeDbusError(e, this.busAddress);
    }
  }
}
