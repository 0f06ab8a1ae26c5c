// Known-answer packets (fwknop-spa.md §7): fwknop-go's golden vectors made with libfko (not the
// broken access_sha1 one) and packets from fwknop's own test suite made by old and foreign
// clients. Each must decode to its documented fields.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { decodeSpaPacket, SpaRequest } from '../src/spa/spa-decode.js';
import { SpaKeys } from '../src/spa/spa-packet.js';
import { SpaEncryptionMode } from '../src/spa/spa-crypto.js';
import { SpaDigestType, digestB64 } from '../src/spa/spa-digest.js';
import { encodeFields, SPA_PROTOCOL_VERSION } from '../src/spa/spa-message.js';

const keys = (key: string, hmac?: string, mode?: SpaEncryptionMode, hmacType?: SpaDigestType): SpaKeys => ({
  key: Buffer.from(key),
  hmacKey: hmac === undefined ? undefined : Buffer.from(hmac),
  mode,
  hmacType,
});

function decodes(pkt: string, k: SpaKeys): SpaRequest {
  const r = decodeSpaPacket(pkt, k, { nowMs: Date.now(), maxAgeSeconds: Infinity, allowCommands: false });
  assert.ok(r.ok, `rejected: ${!r.ok && r.reason}`);
  return r.request;
}

/** fwknop-go fkospa/testdata/golden_vectors.txt (libfko, random salt: decode KATs). */
interface Golden {
  name: string;
  random: string;
  username: string;
  msgType: number;
  access: string;
  nat?: string;
  timeout?: number;
  serverAuth?: string;
  digestType: SpaDigestType;
  keys: SpaKeys;
  encoded: string;
  digest: string;
  spa: string;
}
const TS = 1775331907;
const GOLDEN: Golden[] = [
  {
    name: 'basic_access_sha256_cbc_hmac', random: '1234567890123456', username: 'testuser', msgType: 1, access: '192.168.1.1,tcp/22',
    digestType: 'sha256', keys: keys('testkey123', 'testhmacsecret'),
    encoded: '1234567890123456:dGVzdHVzZXI:1775331907:3.0.0:1:MTkyLjE2OC4xLjEsdGNwLzIy',
    digest: 'zRByd3XAJwPkbMJz+YFkwSAo20ud0osml9amhLkesS4',
    spa: '+E7MYb3npgIm4jPn9FB55oDvTODQVQf1eu6gQCucE11EWdyfcZLvYfMDoi2G9Y9KQkN74tLNg2PcHs14yMuKQAqicaXb9NnXYVUbHZL0YVGNQHB6WpV7MXz1C98Y48USSaV/DocvYO+6jTSfvssFWxBtoL/sMTmdEPjDSAhZUlOiuSvw//nLFIzSYHKfpsNG2GgYYt6SeDr0cJ+Km6cFLt4Xhp6LOW1tA',
  },
  {
    name: 'access_md5_cbc_nohmac', random: '9876543210987654', username: 'admin', msgType: 1, access: '10.0.0.1,tcp/443',
    digestType: 'md5', keys: keys('md5testkey'),
    encoded: '9876543210987654:YWRtaW4:1775331907:3.0.0:1:MTAuMC4wLjEsdGNwLzQ0Mw',
    digest: '3Bl+rjJTkpMiCYHMfQMFmQ',
    spa: '/HGQAvy84KW2U3s70nFKx4ifP5F2hnM+evjkUSiMNTU1Zuh6Ai3ksMV9zTwo5bmV+TtQl/HI7++4gs3ycJ68aC8yTPoezY3G35ChfR2fgg72K72RALj0u+ZyULKB67tp0TbQV1aq6ciA',
  },
  {
    name: 'nat_access_sha256', random: '5555666677778888', username: 'natuser', msgType: 2, access: '192.168.1.1,tcp/22', nat: '10.0.0.100,22',
    digestType: 'sha256', keys: keys('natkey', 'nathmac'),
    encoded: '5555666677778888:bmF0dXNlcg:1775331907:3.0.0:2:MTkyLjE2OC4xLjEsdGNwLzIy:MTAuMC4wLjEwMCwyMg',
    digest: '4XuIS319KFDXDLdvkjuLcyxRRjP3ZYPPM3XCt4/jMhI',
    spa: '8vXmJSaht02OiIHlsa9GIETU9Wvj2SeR2rTJ5H6WB6s76bE9YuIpT9CATZTz/kQg+PsnJx3YzzuYzBiHlbsxzMxGuRNQbxruhUElyg2TSf5ksFQxObL9dEqNFwbQxVSOccZeJsLZVTvtLHG0getgfuf4Avn/bJ460WXGWJFWU2nbXYFQI5ljeFMogZibbK7qxNJ8+JfIHYFA3YlmAwgTkFa2XTdgou/PUMS/eO5qDt7P2Lgz9etIuq0',
  },
  {
    name: 'access_timeout_sha256', random: '1111222233334444', username: 'timeoutuser', msgType: 3, access: '10.10.10.1,tcp/22', timeout: 60,
    digestType: 'sha256', keys: keys('timeoutkey', 'timeouthmac'),
    encoded: '1111222233334444:dGltZW91dHVzZXI:1775331907:3.0.0:3:MTAuMTAuMTAuMSx0Y3AvMjI:60',
    digest: 'hXiYjTLPCJAky8uFQA8EJAP+0YirDNNWyIRJq0qOjTg',
    spa: '80xOs03AJaqi+Qwq777DYkY0Ri65LTjd+fiWX+4ludP8PgaNuqaabOwHqn9YXVdjV3X71Waw9Pgb4T/D+XU7MABy99zomZwRc93IL2Ka12BhSdCoqHTffTqzyXChNxHqNnRaV1tn1vMkJrgQHpdRThOgMIjSFBUXgcJFX9BM4s047hcx1KAqQS6lBWPyI14/2Dlp4yBkFGNP1x8CPQM6AcyBq4BogomRI',
  },
  {
    name: 'access_sha512', random: '4444333322221111', username: 'sha512user', msgType: 1, access: '172.16.0.1,udp/53',
    digestType: 'sha512', keys: keys('sha512key', 'sha512hmac', 'cbc', 'sha512'),
    encoded: '4444333322221111:c2hhNTEydXNlcg:1775331907:3.0.0:1:MTcyLjE2LjAuMSx1ZHAvNTM',
    digest: 'u4LNQ9ysXDQuSGWRGMeKxQZ90lRzOy3Pv3nNwuTjQg6CxrY9BHNiSMY002fEKBpHfAK6399B0+AmwmDOPJL8eg',
    spa: '/rDppzHLS2/bsRP/aWqxP5dQN9Q+K0lGlt8tnMFTcEdbak/LKgckIBoXbmJBeF4X8rFuOyKB5vcg4URRjFxK4YXmnGcjG48D/7Bgn9Mix2JrGSt9Efy9QvEsaMvXAVet+SepYIrA4j6Ff9Sx3YDXTS8NhPYOLGj+tkefci1+14liVviQpl+h++1YZZvtmpUDuy/RJlYHCFKLZrzUdBeOe5muNkQ5xI5qGzCkxeZcQLXAvQvdFe+3e4Clkls5uAjRdz8pc4u3SmjUJMPof4R1U3qnrLuHy01pat7xH80ookyGZVC5YgwQOeBoYuFwcxbx7YEmBhv3YWPg',
  },
  {
    name: 'access_legacy_iv', random: '7777888899990000', username: 'legacyuser', msgType: 1, access: '10.0.0.1,tcp/22',
    digestType: 'sha256', keys: keys('short', 'legacyhmac', 'legacy'),
    encoded: '7777888899990000:bGVnYWN5dXNlcg:1775331907:3.0.0:1:MTAuMC4wLjEsdGNwLzIy',
    digest: 'LLZqJcKD3UclHGUmpUbshpY51uv80d0c1d0gywKE+hw',
    spa: '/Q4G+jgIu/cEjb5frrFoIw9b9GErJdIAVWELHRUDr+KWlF/CSzPY3Ot83fuNO+DJWfB3J+7cNHqXicsj3wSP6VNmmOuamXk+TwwWaNWY6bm4xU2KpU4kd9U/jDP9wxmcoQP60L93fjillOGLLr5xCBFc6BIA90d9uN8b+0tVTzcRftMGzIYrlNTNE+nkhp4pOSDNl3BXE3gmwmQwQNpJlrpNd5vA7wm4Q',
  },
  {
    name: 'access_with_server_auth', random: '1122334455667788', username: 'authuser', msgType: 1, access: '192.168.1.1,tcp/22', serverAuth: 'my_server_auth',
    digestType: 'sha256', keys: keys('authkey', 'authhmac'),
    encoded: '1122334455667788:YXV0aHVzZXI:1775331907:3.0.0:1:MTkyLjE2OC4xLjEsdGNwLzIy:bXlfc2VydmVyX2F1dGg',
    digest: 'E+YkycJHe2Zlw/xe5pJ0j/rMl6wNLKGWhcu7lNCG3qQ',
    spa: '8XnewOINAYMRBGh4UBdmGPQftsvd1LYODIEes8Bw981xNXSUnkhl+Z/sDPUExvMS7dN042OkNrS9Dij1oF7BopcVUOlcAWen6WAQ8TtyRjtXUIsOnfZrgbd5GWY+iYT8RTnQnVfbjpn2rlKWIBDBbCbJDsojSGKz6u5MVyJmNVJrZpBWgXBugzA6TRvHL6qk37HE4tgYPkUw1lIjvKJ+kDxwpYDYr8fQiFmcHloGOqQMqsuD0znlBW4',
  },
];

describe('fwknop-go golden vectors (libfko-made packets)', () => {
  for (const g of GOLDEN) {
    it(`${g.name} decodes to its fields`, () => {
      // NAT packets are refused by policy, after a full decode: the request rides along.
      const r = decodeSpaPacket(g.spa, g.keys, { nowMs: TS * 1000, maxAgeSeconds: 120 });
      const req = r.ok ? r.request : r.request;
      if (g.nat) assert.equal(!r.ok && r.code, 'nat', 'a NAT message is identified and refused');
      else assert.ok(r.ok, `rejected: ${!r.ok && r.reason}`);
      assert.ok(req, 'decoded request');
      const [ip, ...items] = g.access.split(',');
      assert.equal(req.allowIp, ip);
      assert.deepEqual(req.access.map((a) => `${a.proto}/${a.port}`), items);
      assert.equal(req.username, g.username);
      assert.equal(req.timestamp, TS);
      assert.equal(req.version, SPA_PROTOCOL_VERSION);
      assert.equal(req.messageType, g.msgType);
      assert.equal(req.digestType, g.digestType);
      assert.equal(req.clientTimeout, g.timeout ?? null);
      assert.equal(req.nat, g.nat);
      assert.equal(req.serverAuth, g.serverAuth);
    });
    it(`${g.name}: our encoder writes the same ENCODED string and digest`, () => {
      const encoded = encodeFields({
        random: g.random, username: g.username, timestamp: TS, version: SPA_PROTOCOL_VERSION, type: g.msgType,
        message: g.access, nat: g.nat, serverAuth: g.serverAuth, clientTimeout: g.timeout,
      });
      assert.equal(encoded, g.encoded);
      assert.equal(digestB64(g.digestType, encoded), g.digest);
    });
  }

  it('the golden packets refuse a wrong HMAC key and a wrong encryption key', () => {
    const g = GOLDEN[0];
    const badHmac = decodeSpaPacket(g.spa, { ...g.keys, hmacKey: Buffer.from('other') }, { nowMs: TS * 1000, maxAgeSeconds: 120 });
    assert.equal(!badHmac.ok && badHmac.code, 'hmac');
    const badKey = decodeSpaPacket(GOLDEN[1].spa, keys('wrongkey'), { nowMs: TS * 1000, maxAgeSeconds: 120 });
    assert.equal(!badKey.ok && badKey.code, 'decrypt');
  });
});

/** fwknop's test suite (test/tests/rijndael_backwards_compatibility.pl, rijndael_hmac.pl). */
const UPSTREAM: { name: string; pkt: string; keys: SpaKeys; want: Partial<SpaRequest> }[] = [
  { name: 'v2.0 (legacy IV)', keys: keys('fwknoptest', undefined, 'legacy'),
    pkt: '9ptGrLs8kVGVludcXFy17opvThEYzTeaT7RVlCN66W/G9QZs9BBevEQ0xxI8eCnKPDM+Bu9g0XwmCEVxxg+4jwBwtbCxVt9t5aSR29EVWZ6UAOwLkunK3t4FYBy1tL55krFt+1B2TtNSAH005kyDEZEOIGoY9Q/iU',
    want: { username: 'mbr', timestamp: 1353002653, version: '1.9.12', allowIp: '0.0.0.0' } },
  { name: 'v2.0.1 (legacy IV)', keys: keys('fwknoptest', undefined, 'legacy'),
    pkt: '+uAD6hlS2BHuaCtVKIGyIsB/4U8USqcP9o4aT6FvBuPKORwTV8byyzv6bzZYINs4Voq3QvBbIwkXJ63/oU+XxvP5R+DBLEnh3e/NHPFK6NB0WT2dujVyVxwBfvvWjIqWHhro2tH34nqfTRIpevfLTMx7r+N8ZQ4V8',
    want: { username: 'mbr', timestamp: 1353002424, version: '1.9.12', allowIp: '0.0.0.0' } },
  { name: 'v2.0.2 (legacy IV)', keys: keys('fwknoptest', undefined, 'legacy'),
    pkt: '+mS70t2A2YmV50KgwDyy6nYLwzQ7AUO8pA/eatm7g9xc83xy1z7VOXeAYrgAOWyKsk30QvkwHtPhl7I0oDz1bO+2K2JbDbyc0KBBzVNMLgJcuYgEpOXPkX2XhcTsgQVw2/Va/aUjvEvNPtwuipQS6DLTzOw/qy+/g',
    want: { username: 'root', timestamp: 1352988660, version: '2.0.2', allowIp: '127.0.0.2' } },
  { name: 'v2.0.3 (legacy IV)', keys: keys('fwknoptest', undefined, 'legacy'),
    pkt: '+8OtxmTJPgQmrXZ7hAqTopLBC/thqHNuPHTfR234pFuQOCZUikPe0inHmjfnQFnPSop/Iy6v+BCn9D+QD7eT7JI6BIoKp14K+8iNgKaNw1BdfgF1XDulpkNEdyG0fXz5M+GledHfz2d49aYThoQ2Cr8Iw1ycViawY',
    want: { username: 'root', timestamp: 1346851336, version: '2.0.3', allowIp: '127.0.0.2' } },
  { name: 'v2.0.4 (legacy IV)', keys: keys('fwknoptest', undefined, 'legacy'),
    pkt: '8Xm8U5vQ03T88UTCWbwO3t/aL6euZ8IgVbNdDVz3Bn6HkTcBqxcME95U/G3bCHvQznpnGb05Md4ZgexHZGzZdSwsP8iVtcZdsgCBfeO4Eqs8OaSMjJVF8SQ+JmhuXZMcWgMsIzhpprJ7JX41DrWd0OtBnE3rVwsN0',
    want: { username: 'root', timestamp: 1358637251, version: '2.0.4', allowIp: '127.0.0.2' } },
  { name: 'v2.0.4 with a 20-byte key cut to 16 (legacy IV)', keys: keys('12345678901234567890', undefined, 'legacy'),
    pkt: '8nypBDKbDQZ2w6mTAB5xqOmNcoCWfhkIfqb6Ybuc101TZ+VbT+QjtREn2F2ffbL7PclPqPaGOrDeUCyMERFAkO/InryQUYtNlwnjcQdo15+JewnPj8XMDEtmvMjBZ7GmmG3WabIHzHcIi1xsBvoAwYCtxOH+GivVA',
    want: { username: 'mbr', timestamp: 1370201964, version: '2.0.4', allowIp: '127.0.0.2' } },
  { name: 'Android v4.1.2 (legacy IV, unpadded plaintext)', keys: keys('asdfasdf', undefined, 'legacy'),
    pkt: '+59hIQhS1RlmqYLXNM/hPxtBAQTB5y3UKZq13O+r6qmg+APdQ+HQOI7d4QCsp14s8KJpW8qBzZ/n0aZCFCFdZnvdZeJJVboQu4joQFKZ8mmKwR/5DIO7k3qrXYGxYP0bnHYsih0HIE6CzSHlBGSfDJR92YhjYtL4Q',
    want: { username: 'NO_USER', timestamp: 1353030926, messageType: 3, clientTimeout: 3, allowIp: '0.0.0.0' } },
  { name: 'Cygwin Windows 2008 (CBC, no HMAC)', keys: keys('fwknoptest'),
    pkt: '8GuHEQbyE4TuEbP7zL2DVsTbQv8x3jp8mdHFM0v+9ZUfgZMjuZLBvAa8NnmUdAb/OUvCP5PFDVbLDnZ+JYUFMGexGRwlk5CEKX8KA8R1Xh5xIdbVxWzy1lY1imRQD5wpIBx/hGB4O2G3mdJSe3w5zxGjE2JNSFKCAZzvgDmfLQM9A+tjMKPk6x',
    want: { username: 'Administrator', timestamp: 1367635496, version: '2.5.0', allowIp: '127.0.0.2' } },
  { name: 'Cygwin Windows 2008 (CBC + HMAC)', keys: keys('fwknoptest', 'test'),
    pkt: '+NHb5ytzAppxOdX/sy48+nvGNzsR9Bq6wbaakwihbepSDlZWpBwG7HOv0V1Lwzpt5/vYMkmzCr1aXdgBPJVkqMQQZppjkxMApQGbX0MXLPG+aqP9MGWrmpOVjSY8vW5uc8wOhnNJFtu77jvR7MIDFOkNO16LbLV+IxQOmoJHE2+lUH1nvudMWCORI/tzK/QU5YWFAXbbjFhR6RgvdWfzDhwxAEpNfd5gE',
    want: { username: 'Administrator', timestamp: 1367636707, version: '2.5.0', allowIp: '127.0.0.2' } },
  { name: 'Android v4.4 (CBC + HMAC)', keys: keys('fwknoptest', 'hmactest'),
    pkt: '+8fP34T9Vjs50Yke5tNTz7YnsDbQUcp6zaaJTzVOgRuNXyhiZKL5UpaC2neRkqgjSlG6/qJSKXIuXBKR4LFS3rX2ZwrOkfBGKJeXe8S2uZex9RjOr/8SwS45Q+Kt3J6QsShXU4cxz09Cv+bi7+08/bGCyVdhvYNwogIhEkcqS79+JNR3lSBEBrOY4hoOKRRAYw41yI5cBCdc',
    want: { username: 'u0_a52', timestamp: 1387857764, version: '2.0', messageType: 3, clientTimeout: 2, allowIp: '0.0.0.0' } },
];

describe("fwknop test-suite packets (old and foreign clients)", () => {
  for (const u of UPSTREAM) {
    it(`${u.name} decodes`, () => {
      const req = decodes(u.pkt, u.keys);
      for (const [k, v] of Object.entries(u.want)) assert.deepEqual(req[k as keyof SpaRequest], v, k);
      assert.equal(req.kind, 'access');
      assert.deepEqual(req.access, [{ proto: 'tcp', port: 22 }]);
    });
  }
  it('a legacy-IV packet does not decode in CBC mode (the mode matters)', () => {
    const r = decodeSpaPacket(UPSTREAM[4].pkt, keys('fwknoptest'), { nowMs: 0, maxAgeSeconds: Infinity });
    assert.equal(!r.ok && r.code, 'decrypt');
  });
});
