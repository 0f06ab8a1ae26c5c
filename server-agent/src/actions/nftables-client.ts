// The nftables backend for hosts without firewalld: our own table guards the doors' ports and
// lets through the sources in two timed sets; the kernel removes elements at their timeout,
// so a window closes even when the agent is dead. nft always gets an argument list or a
// script on stdin that we generate from validated values, never a shell. Every nft process goes
// through a CallLimiter, as firewalld's calls do: a flood of successes queues (bounded) instead
// of forking one nft per success.
import { spawn } from 'child_process';
import { isIP } from 'net';
import { Knock } from '../types.js';
import { CallLimiter } from './call-limiter.js';

export const NFT_TABLE = 'knocker';

export class NftError extends Error {}

export function runNft(args: string[], stdin?: string, nft = 'nft'): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(nft, args, { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (err += d));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(new NftError(e.code === 'ENOENT' ? 'nft not found: install nftables (yum install nftables / apt-get install nftables)' : `cannot run nft: ${e.message}`)),
    );
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new NftError(`nft ${args.join(' ')}: ${err.trim() || `exit status ${code}`}`))));
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // nft exiting early is reported through its status
      child.stdin.end(stdin);
    }
  });
}

function element(source: string, k: Knock): { set: string; key: string } {
  const family = isIP(source);
  if (family === 0) throw new NftError(`not an IP address: "${source}"`);
  return { set: family === 4 ? 'allow4' : 'allow6', key: `${source} . ${k.proto} . ${k.port}` };
}

export class NftablesClient {
  private readonly limiter: CallLimiter;

  constructor(private readonly nft = 'nft', opts: { maxInFlight?: number } = {}) {
    this.limiter = new CallLimiter(opts.maxInFlight ?? 32);
  }

  private run(args: string[], stdin?: string): Promise<string> {
    return this.limiter.run(() => runNft(args, stdin, this.nft));
  }

  /**
   * (Re)create our table guarding `guarded` ports. Recreating drops the sets' elements: the
   * caller re-adds what its journal says is still open.
   */
  async setup(guarded: Knock[]): Promise<void> {
    const exists = await this.run(['list', 'table', 'inet', NFT_TABLE], undefined).then(
      () => true,
      () => false,
    );
    const ports = [...new Set(guarded.map((k) => `${k.proto} . ${k.port}`))];
    const script = [
      exists ? `delete table inet ${NFT_TABLE}` : '',
      `table inet ${NFT_TABLE} {`,
      '  set allow4 { type ipv4_addr . inet_proto . inet_service; flags timeout; }',
      '  set allow6 { type ipv6_addr . inet_proto . inet_service; flags timeout; }',
      `  set guarded { type inet_proto . inet_service; ${ports.length ? `elements = { ${ports.join(', ')} }; ` : ''}}`,
      // Just before the usual filter priority (0), so our drop applies whatever else runs.
      '  chain input {',
      '    type filter hook input priority -5; policy accept;',
      '    ip saddr . meta l4proto . th dport @allow4 accept',
      '    ip6 saddr . meta l4proto . th dport @allow6 accept',
      '    ct state established,related accept',
      '    meta l4proto . th dport @guarded drop',
      '  }',
      '}',
    ].join('\n');
    await this.run(['-f', '-'], script);
  }

  /** Open (or refresh) `k` for `source` for `seconds`. */
  async open(source: string, k: Knock, seconds: number): Promise<void> {
    const { set, key } = element(source, k);
    // `add` keeps an existing element's old timeout: delete first to refresh the deadline.
    await this.run(['delete', 'element', 'inet', NFT_TABLE, set, `{ ${key} }`], undefined).catch(() => undefined);
    await this.run(['add', 'element', 'inet', NFT_TABLE, set, `{ ${key} timeout ${Math.max(1, Math.ceil(seconds))}s }`], undefined);
  }

  async close(source: string, k: Knock): Promise<void> {
    const { set, key } = element(source, k);
    await this.run(['delete', 'element', 'inet', NFT_TABLE, set, `{ ${key} }`], undefined).catch(() => undefined);
  }
}
