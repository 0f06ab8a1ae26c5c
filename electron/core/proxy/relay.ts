// Relaying ssh's ProxyCommand pipes to a TCP connection, like `ssh -W`: what comes in on `input`
// (ssh's output, our stdin) goes to the socket, what the server sends goes to `output` (our
// stdout). Each direction closes on its own (half-close): when the input ends, the socket's
// write side is ended (a FIN to the server) and the server's answer is still read to its end;
// when the server ends its side, the output is ended (ssh sees EOF) and the input is still
// forwarded until it ends. The relay is over when both directions are, or at the first error
// (a reset, a broken pipe), which ends everything at once.

import type * as net from 'net';
import type { Readable, Writable } from 'stream';

export interface RelayResult {
  /** Bytes from the input to the server. */
  sent: number;
  /** Bytes from the server to the output. */
  received: number;
  /** What ended the relay early (reset by the server, output closed...), if something did. */
  error?: Error;
  /** Which side failed: the TCP connection, the input or the output. */
  failedSide?: 'socket' | 'input' | 'output';
}

export interface RelayOptions {
  /** Called once, when the first byte from the server has been handed to the output. */
  onFirstByte?: () => void;
  /** Called when one direction has closed ('input' ended, or the 'server' ended its side). */
  onHalfClose?: (side: 'input' | 'server') => void;
}

/**
 * Relay until both directions are closed. The socket must be connected and created with
 * allowHalfOpen: true (otherwise Node ends our side as soon as the server ends its own).
 */
export function relay(socket: net.Socket, input: Readable, output: Writable, opts: RelayOptions = {}): Promise<RelayResult> {
  return new Promise<RelayResult>((resolve) => {
    const result: RelayResult = { sent: 0, received: 0 };
    let toServerDone = false;
    let toClientDone = false;
    let over = false;

    const cleanup = (): void => {
      input.off('data', onInput);
      input.off('end', onInputEnd);
      input.off('error', onInputError);
      socket.off('data', onSocket);
      socket.off('end', onSocketEnd);
      socket.off('error', onSocketError);
      socket.off('finish', onSocketFinish);
      socket.off('drain', onSocketDrain);
      output.off('drain', onOutputDrain);
      output.off('error', onOutputError);
      output.off('finish', onOutputFinish);
    };
    const end = (error?: Error, side?: RelayResult['failedSide']): void => {
      if (over) return;
      over = true;
      cleanup();
      if (error) {
        result.error = error;
        result.failedSide = side;
        socket.destroy();
        output.destroy();
      }
      // The input may still be open (the server went first and ssh has not closed yet, or a
      // failure): stop reading it so that nothing keeps the process alive.
      if (!input.readableEnded) input.destroy();
      resolve(result);
    };
    const maybeDone = (): void => {
      if (toServerDone && toClientDone) end();
    };

    // input -> server, with back-pressure both ways.
    const onInput = (chunk: Buffer | string): void => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      result.sent += b.length;
      if (!socket.write(b)) input.pause();
    };
    const onSocketDrain = (): void => {
      input.resume();
    };
    const onInputEnd = (): void => {
      opts.onHalfClose?.('input');
      socket.end();
    };
    const onSocketFinish = (): void => {
      toServerDone = true;
      maybeDone();
    };
    const onInputError = (err: Error): void => end(err, 'input');

    // server -> output.
    let first = true;
    const onSocket = (chunk: Buffer): void => {
      result.received += chunk.length;
      const more = output.write(chunk);
      if (first) {
        first = false;
        opts.onFirstByte?.();
      }
      if (!more) socket.pause();
    };
    const onOutputDrain = (): void => {
      socket.resume();
    };
    let serverEnded = false;
    const onSocketEnd = (): void => {
      serverEnded = true;
      opts.onHalfClose?.('server');
      output.end();
    };
    const onOutputFinish = (): void => {
      toClientDone = true;
      maybeDone();
    };
    // After the server's FIN, a write it refuses (EPIPE, reset) only means it is gone for good:
    // the session is over, not broken.
    const onSocketError = (err: Error): void => (serverEnded ? end() : end(err, 'socket'));
    const onOutputError = (err: Error): void => end(err, 'output');

    input.on('data', onInput);
    input.on('end', onInputEnd);
    input.on('error', onInputError);
    socket.on('drain', onSocketDrain);
    socket.on('finish', onSocketFinish);
    socket.on('data', onSocket);
    socket.on('end', onSocketEnd);
    socket.on('error', onSocketError);
    output.on('drain', onOutputDrain);
    output.on('error', onOutputError);
    output.on('finish', onOutputFinish);
    input.resume();
  });
}
