# SPDX-License-Identifier: BSD-3-Clause
"""Drive tests/pcap/harness.c: send scapy frames into one synwall worker, read what it sends."""
import os
import subprocess

from scapy.layers.l2 import Ether


class Harness:
    """One harness process with its own config. Use as a context manager."""

    def __init__(self, config_text, tmp_path):
        self.cfg = tmp_path / "synwall.ini"
        self.cfg.write_text(config_text)
        exe = os.environ["SW_HARNESS"]
        self.p = subprocess.Popen([exe, str(self.cfg)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.write("quit\n")
                self.p.stdin.flush()
                self.p.wait(timeout=10)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.p.kill()
                self.p.wait()
        assert self.p.returncode == 0, self.p.stderr.read()

    def cmd(self, line):
        """Send one command, return its reply lines (without 'done')."""
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        out = []
        while True:
            r = self.p.stdout.readline()
            if r == "":
                raise RuntimeError("harness died: " + self.p.stderr.read())
            r = r.rstrip("\n")
            if r == "done":
                return out
            if r.startswith("error"):
                raise RuntimeError(r)
            out.append(r)

    def send(self, port, *frames, ext=False):
        """Queue frames on port 'o' (outside, clients) or 'i' (inside, servers), poll once.
        ext: each frame in an mbuf attached to an external buffer. Returns [(port, Ether)]
        of every frame synwall transmitted."""
        for f in frames:
            self.cmd("%s %s %s" % ("inx" if ext else "in", port, bytes(f).hex()))
        return self.poll()

    def extbufs(self):
        """External buffers ('send(ext=True)') not yet released by their last mbuf."""
        return int(self.cmd("extbufs")[0].split()[1])

    def rxcsum(self, ip, l4):
        """The NIC's RX checksum verdicts on the frames sent from now on:
        'unknown', 'good', 'bad' or 'none' for the IPv4 header and for L4."""
        self.cmd("rxcsum %s %s" % (ip, l4))

    def txcsum(self, on):
        """Both ports insert checksums on TX: one-pass packets ask the NIC for them."""
        self.cmd("txcsum %d" % (1 if on else 0))

    def poll(self):
        return self._outs(self.cmd("poll"))

    def advance(self, ms):
        self.cmd("advance %d" % ms)

    def expire(self):
        return self._outs(self.cmd("expire"))

    @staticmethod
    def _outs(lines):
        res = []
        for r in lines:
            words = r.split(" ")
            e = Ether(bytes.fromhex(words[2]))
            # "tx=ip,tcp": the frame asked for checksum insertion, done as a NIC would.
            e.sw_tx_csum = words[3][3:] if len(words) > 3 else ""
            res.append((words[1], e))
        return res

    def flows(self):
        lines = self.cmd("flows")
        total = int(lines[0].split()[1])
        states = {}
        for r in lines[1:]:
            _, name, n = r.split()
            states[name] = int(n)
        return total, states

    def workers(self, n, idx):
        """Make the worker worker idx of n (the shares of per-service limits); what it hands
        on to the next worker comes back to itself, in the same poll."""
        self.cmd("workers %d %d" % (n, idx))

    def banks(self, sid):
        """SYNs of service id sid in the worker's two one-second banks (even, odd second)."""
        return tuple(int(x) for x in self.cmd("banks %d" % sid)[0].split()[1:])

    def stats(self):
        import json
        return json.loads(self.cmd("stats")[0])
