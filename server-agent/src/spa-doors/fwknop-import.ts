// `knocker-agent import-fwknop /etc/fwknop/access.conf`: fwknopd's stanzas as knockd.conf SPA
// doors. access.conf lines are `VAR<ws>value` (a ':' after VAR is allowed), '#' comments, and
// each stanza begins with SOURCE (server/access.c). Keys we cannot express are named in a
// comment, never their values (GPG_DECRYPT_PW is a secret).
import * as fs from 'fs';
import { parseDigestType } from '../spa/spa-digest.js';

interface Stanza {
  line: number;
  vars: Array<{ key: string; value: string; line: number }>;
}

export function parseAccessConf(text: string): { stanzas: Stanza[]; notes: string[] } {
  const stanzas: Stanza[] = [];
  const notes: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([A-Za-z0-9_%]+):?\s+(.*)$/.exec(line);
    if (!m) {
      notes.push(`line ${i + 1}: not VAR value, skipped`);
      return;
    }
    const key = m[1].toUpperCase();
    const value = m[2].trim();
    if (key.startsWith('%')) notes.push(`line ${i + 1}: ${m[1]} is not followed (copy the included stanzas into this file first)`);
    else if (key === 'SOURCE') stanzas.push({ line: i + 1, vars: [{ key, value, line: i + 1 }] });
    else if (stanzas.length === 0) notes.push(`line ${i + 1}: ${key} before the first SOURCE, skipped`);
    else stanzas[stanzas.length - 1].vars.push({ key, value, line: i + 1 });
  });
  return { stanzas, notes };
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const yes = (v: string) => /^y/i.test(v);

/** fwknop's `tcp/22, udp/53` -> our `22/tcp, 53/udp`. */
function openPorts(v: string): string {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const m = /^(tcp|udp)\/(\d+)$/i.exec(s);
      return m ? `${m[2]}/${m[1].toLowerCase()}` : s;
    })
    .join(', ');
}

function door(st: Stanza, n: number): string[] {
  const out = [`[fwknop${n}]`, `    # from access.conf stanza at line ${st.line}; SPA_Port = 62201 (fwknopd.conf's UDPSERV_PORT / PCAP_FILTER are not read)`];
  const unsupported: string[] = [];
  let open = false;
  let hmac = false;
  for (const { key, value } of st.vars) {
    switch (key) {
      case 'SOURCE':
        out.push(`    SPA_Source = ${value.replace(/\s*,\s*/g, ', ')}`);
        break;
      case 'OPEN_PORTS':
        out.push(`    Open = ${openPorts(value)}`);
        open = true;
        break;
      case 'KEY_BASE64':
        out.push(`    SPA_Key_Base64 = ${value}`);
        break;
      case 'KEY':
        out.push('    # KEY, base64-encoded', `    SPA_Key_Base64 = ${b64(value)}`);
        break;
      case 'HMAC_KEY_BASE64':
        out.push(`    SPA_HMAC_Key_Base64 = ${value}`);
        hmac = true;
        break;
      case 'HMAC_KEY':
        out.push('    # HMAC_KEY, base64-encoded', `    SPA_HMAC_Key_Base64 = ${b64(value)}`);
        hmac = true;
        break;
      case 'HMAC_DIGEST_TYPE': {
        try {
          out.push(`    SPA_HMAC_Digest = ${parseDigestType(value)}`);
        } catch {
          unsupported.push(`${key} ${value} (not a known digest)`);
        }
        break;
      }
      case 'FW_ACCESS_TIMEOUT':
        out.push(`    Open_Seconds = ${value}`);
        break;
      case 'MAX_FW_TIMEOUT':
        out.push(`    SPA_Max_Open_Seconds = ${value}`);
        break;
      case 'REQUIRE_SOURCE_ADDRESS':
        out.push(`    SPA_Require_Source_Address = ${yes(value) ? 'yes' : 'no'}`);
        break;
      case 'ENCRYPTION_MODE':
        if (!/^cbc$/i.test(value)) unsupported.push(`${key} ${value} (SPA doors take CBC, fwknop's default)`);
        break;
      case 'ENABLE_CMD_EXEC':
        if (yes(value)) unsupported.push(`${key} (command messages are refused)`);
        break;
      default:
        unsupported.push(key);
    }
  }
  if (!hmac) out.push('    # no HMAC key: knocker-agent requires one (knocker-agent spa keys; clients then need --use-hmac)', '    SPA_HMAC_Key_Base64 =');
  if (!open) out.push("    # no OPEN_PORTS: fwknopd allowed any port; an SPA door lists what a request may open", '    Open = 22/tcp');
  for (const u of unsupported) out.push(`    # not supported, left out: ${u}`);
  return out;
}

/** The doors text for an access.conf file (throws with the path on a read error). */
export function importFwknopAccess(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
  const { stanzas, notes } = parseAccessConf(text);
  const lines = [`# SPA doors imported from ${file} by knocker-agent import-fwknop`, '# The keys below are secrets: keep the config file mode 0600.'];
  for (const n of notes) lines.push(`# ${n}`);
  if (stanzas.length === 0) lines.push('# no stanza (SOURCE line) found');
  stanzas.forEach((st, i) => lines.push('', ...door(st, i + 1)));
  return lines.join('\n') + '\n';
}
