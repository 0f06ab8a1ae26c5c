#!/usr/bin/env python3
"""Knock a knocker-agent door from the control machine (Python 3 standard library only).

  knock.py HOST SEQUENCE                         a fixed sequence, e.g. 7000,8000:udp,9000
  knock.py HOST --time DOOR SECRET [STEP LENGTH LOW-HIGH PROTOCOLS]
                                                 a time door: the current window's sequence
                                                 (docs/time-based-sequences.md)

TCP knocks are one SYN each (a non-blocking connect, closed at once); UDP knocks one datagram.
"""
import base64, errno, hashlib, hmac, socket, struct, sys, time


def fixed(text):
    out = []
    for part in text.split(','):
        port, _, proto = part.strip().partition(':')
        out.append((int(port), proto or 'tcp'))
    return out


def timed(door, secret, step=30, length=4, ports='20000-40000', protocols='tcp,udp'):
    key = base64.urlsafe_b64decode(secret + '=' * (-len(secret) % 4))
    lo, hi = (int(p) for p in ports.split('-'))
    protos = protocols.split(',')
    window = int(time.time()) // int(step)
    out, block = [], b''
    for i in range(int(length)):
        if i % 6 == 0:
            msg = b'knocker-time-v1\0' + door.encode() + b'\0' + struct.pack('>Q', window) + bytes([i // 6])
            block = hmac.new(key, msg, hashlib.sha256).digest()
        chunk = block[5 * (i % 6): 5 * (i % 6) + 5]
        out.append((lo + struct.unpack('>I', chunk[:4])[0] % (hi - lo + 1), protos[chunk[4] % len(protos)]))
    return out


def knock(host, knocks):
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    for port, proto in knocks:
        if proto == 'udp':
            with socket.socket(family, socket.SOCK_DGRAM) as s:
                s.sendto(b'\0', (host, port))
        else:
            s = socket.socket(family, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect((host, port))
            except OSError as e:
                if e.errno not in (errno.EINPROGRESS, errno.EHOSTUNREACH, errno.ECONNREFUSED):
                    raise
            time.sleep(0.05)
            s.close()


if __name__ == '__main__':
    a = sys.argv[1:]
    if len(a) >= 4 and a[1] == '--time':
        knock(a[0], timed(a[2], a[3], *a[4:]))
    elif len(a) == 2:
        knock(a[0], fixed(a[1]))
    else:
        sys.exit(__doc__)
