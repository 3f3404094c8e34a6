#!/usr/bin/python3
"""The chaos soak behind bench/soak.sh (read its header for what it checks). Loopback only.

Every process it starts is its own session, tracked by PID and stopped by PID at the end; every loop
is bounded in time. Prints counts; exits 1 on a violation, 2 when the swarm could not be set up.
"""
import argparse
import hashlib
import json
import os
import pwd
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

from free_port import free_port  # bench/free_port.py: never the same port twice in a run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAUNCHER = os.path.join(ROOT, 'enjambre')
LT_PEER = os.path.join(ROOT, 'bench', 'lt_swarm_peer.py')
LT_PYTHON = '/usr/bin/python3'
MIB = 1 << 20

# Leak bounds between a process's first and last probe (after a full GC both times). Generous on
# purpose: the number of connected peers, and so of sockets and of busy threads, moves with the
# chaos; a leak over hundreds of restarts and cut connections goes far past them.
FD_SLACK = 48
THREAD_SLACK = 24
HEAP_FACTOR, HEAP_SLACK = 2.0, 24 * MIB


def log(msg):
    print('%s soak: %s' % (time.strftime('%H:%M:%S'), msg), flush=True)


class Proc:
    """One role in the swarm (a tracker node, a peer) and its current process, restarted at will."""

    def __init__(self, name, kind, command, env, logdir, port, torrent=None, out=None, witness=False):
        self.name, self.kind, self.command, self.env = name, kind, command, env
        self.logpath = os.path.join(logdir, name + '.log')
        self.port, self.torrent, self.out, self.witness = port, torrent, out, witness
        self.popen, self.started, self.restarts, self.kills = None, 0.0, 0, 0
        self.first_probe = None
        self.missing_since = None

    def start(self):
        logf = open(self.logpath, 'ab')
        self.popen = subprocess.Popen(self.command, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      env=self.env, cwd=os.path.dirname(self.logpath), start_new_session=True)
        logf.close()
        self.started = time.time()
        self.first_probe = None
        self.missing_since = None

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    @property
    def pid(self):
        return self.popen.pid

    def kill(self):
        """SIGKILL, the chaos: no shutdown hook, no 'stopped' announce, connections cut."""
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
            self.popen.wait(10)
            self.kills += 1

    def stop(self):
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.popen.wait(10)

    def log_text(self):
        try:
            with open(self.logpath, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except OSError:
            return ''


# ---- probes: /proc for descriptors, threads and RSS; hsperfdata for the heap; attach for a GC ----

def proc_counts(pid):
    fds = len(os.listdir('/proc/%d/fd' % pid))
    threads = rss = 0
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('Threads:'):
                threads = int(line.split()[1])
            elif line.startswith('VmRSS:'):
                rss = int(line.split()[1]) * 1024
    return fds, threads, rss


def perf_counters(pid):
    """The JVM's own counters (what jstat reads): /tmp/hsperfdata_USER/PID, longs only."""
    path = '/tmp/hsperfdata_%s/%d' % (pwd.getpwuid(os.getuid()).pw_name, pid)
    with open(path, 'rb') as f:
        data = f.read()
    if data[:4] != b'\xca\xfe\xc0\xc0':
        return {}
    order = '<' if data[4] == 1 else '>'
    entry_offset, num_entries = struct.unpack_from(order + 'ii', data, 24)
    values, pos = {}, entry_offset
    for _ in range(num_entries):
        length, name_off, vector_len, dtype, _flags, _units, _var, data_off = struct.unpack_from(order + 'iiibbbbi', data, pos)
        if length <= 0:
            break
        name_start = pos + name_off
        name = data[name_start:data.index(b'\0', name_start)].decode('ascii', 'replace')
        if dtype == ord('J') and vector_len == 0:
            values[name] = struct.unpack_from(order + 'q', data, pos + data_off)[0]
        pos += length
    return values


def heap_used(pid):
    c = perf_counters(pid)
    used = sum(v for k, v in c.items() if k.startswith('sun.gc.generation.') and k.endswith('.used') and '.space.' in k)
    cap = sum(v for k, v in c.items() if k.startswith('sun.gc.generation.') and k.endswith('.maxCapacity')
              and '.space.' not in k)
    return used, cap


def full_gc(pid, timeout=10.0):
    """`jcmd PID GC.run` without starting a JVM: HotSpot's attach protocol over its UNIX socket."""
    sock_path = '/tmp/.java_pid%d' % pid
    if not os.path.exists(sock_path):
        trigger = '/proc/%d/cwd/.attach_pid%d' % (pid, pid)
        open(trigger, 'w').close()
        try:
            os.kill(pid, signal.SIGQUIT)
            deadline = time.time() + timeout
            while not os.path.exists(sock_path) and time.time() < deadline:
                time.sleep(0.05)
        finally:
            os.unlink(trigger)
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(sock_path)
        s.sendall(b'1\0jcmd\0GC.run\0\0\0')
        answer = b''
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.startswith(b'0')


def probe(p, gc=False):
    """fds, threads, RSS and heap of a JVM (heap after a full GC when gc): None if it just died."""
    try:
        if gc and p.kind != 'libtorrent':
            full_gc(p.pid)
        fds, threads, rss = proc_counts(p.pid)
        heap, heap_max = heap_used(p.pid) if p.kind != 'libtorrent' else (0, 0)
        return {'t': time.time(), 'fds': fds, 'threads': threads, 'rss': rss, 'heap': heap, 'heap_max': heap_max}
    except (OSError, ValueError, struct.error):
        return None


def sha256(path):
    h = hashlib.sha256()
    try:
        with open(path, 'rb') as f:
            for block in iter(lambda: f.read(MIB), b''):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


def http_json(url, timeout=3.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read().decode('utf-8'))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--short', action='store_true')
    ap.add_argument('--duration', type=int)
    ap.add_argument('--keep', action='store_true')
    ap.add_argument('--seed', type=int, default=int(time.time()))
    a = ap.parse_args()
    short = a.short
    duration = a.duration or (55 if short else 600)
    interval = 10 if short else 20           # the trackers' announce interval (seconds)
    size = (3 if short else 24) * MIB         # each of the 3 torrents
    rate = size // (12 if short else 60)      # every upload limited, so transfers last while the chaos goes on
    chaos_every = 3.0 if short else 6.0       # seconds between two kills
    sample_every = 10.0 if short else 30.0
    settle = 30 if short else 60              # seconds of a process's life before its leak baseline (a
                                              # restarted tracker node is still joining the cluster before)
    final_timeout = 60 if short else 180
    rng = random.Random(a.seed)

    work = tempfile.mkdtemp(prefix='enjambre-soak.')
    logs = os.path.join(work, 'logs')
    os.makedirs(logs)
    env = dict(os.environ)
    env.update({
        'HOME': os.path.join(work, 'home'),
        # A cluster nobody else joins: the trackers share a secret made for this run.
        'ENJAMBRE_CLUSTER_SECRET': 'soak-%016x' % rng.getrandbits(64),
        'ENJAMBRE_JAVA_OPTS': env.get('SOAK_JAVA_OPTS', '-Xmx160m -XX:+UseSerialGC'),
        'ENJAMBRE_AOT': env.get('ENJAMBRE_AOT', 'off'),
    })
    env.pop('ENJAMBRE_CLUSTER_MEMBERS', None)
    os.makedirs(env['HOME'])
    procs = []
    violations = []
    counts = {'longest unregistered': 0.0, 'unlisted at one check': 0, 'registration answers missing from one node': 0,
              'kills': 0, 'tracker kills': 0, 'peer kills': 0, 'wiped restarts': 0, 'registration checks': 0,
              'registration check errors': 0, 'probes': 0}
    log('seed %d, duration %d s, 3 torrents of %d MiB, announce interval %d s, folder %s'
        % (a.seed, duration, size // MIB, interval, work))
    try:
        # ---- three tracker nodes, one cluster ----
        http_ports = [free_port() for _ in range(3)]
        cluster_ports = [free_port() for _ in range(3)]
        members = ','.join('127.0.0.1:%d' % p for p in cluster_ports)
        trackers = []
        for i in range(3):
            cmd = [LAUNCHER, 'tracker', '--cluster', '--host', '127.0.0.1', '--port', str(http_ports[i]),
                   '--cluster-port', str(cluster_ports[i]), '--cluster-members', members,
                   '--cluster-config', os.path.join(work, 'absent.xml'), '--interval', str(interval),
                   '--instances', '1']
            # Tracker 0 is never killed: it witnesses a whole run for leaks.
            trackers.append(Proc('tracker%d' % i, 'tracker', cmd, env, logs, http_ports[i], witness=(i == 0)))
        for t in trackers:
            t.start()
        procs += trackers
        if not wait_for(lambda: all('tracker listening on' in t.log_text() for t in trackers), 120):
            log('the trackers did not start')
            return 2
        urls = ['http://127.0.0.1:%d/announce' % p for p in http_ports]

        # ---- three torrents; each lists the trackers in another order, so failover is exercised ----
        torrents = []
        for k in range(3):
            src = os.path.join(work, 'src%d' % k)
            os.makedirs(src)
            name = 'soak%d.bin' % k
            with open(os.path.join(src, name), 'wb') as f:
                f.write(rng.randbytes(size))
            tfile = os.path.join(work, 'soak%d.torrent' % k)
            order = urls[k:] + urls[:k]
            cmd = [LAUNCHER, 'create', os.path.join(src, name), '-o', tfile, '--piece-size', '64K']
            for u in order:
                cmd += ['-t', u]
            r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
            if r.returncode != 0:
                log('create failed: ' + r.stderr)
                return 2
            info_hash = r.stdout.split('info-hash: ')[1].split()[0]
            torrents.append({'k': k, 'src': src, 'name': name, 'file': tfile, 'hash': info_hash,
                             'sha256': sha256(os.path.join(src, name))})

        # ---- a dozen Enjambre peers (a seeder and three leechers per torrent) and three libtorrent peers ----
        peers = []
        for t in torrents:
            k = t['k']
            port = free_port()
            peers.append(Proc('e-seed%d' % k, 'seed',
                              [LAUNCHER, 'seed', '--allow-private-trackers', '--data', t['src'], '--port', str(port), '--upload-rate', str(rate), t['file']],
                              env, logs, port, torrent=t, witness=(k == 1)))
            for j in range(3):
                port = free_port()
                out = os.path.join(work, 'e%d-%d' % (k, j))
                peers.append(Proc('e-leech%d-%d' % (k, j), 'leech',
                                  [LAUNCHER, 'download', '--allow-private-trackers', '--out', out, '--port', str(port), '--seed',
                                   '--upload-rate', str(rate), t['file']],
                                  env, logs, port, torrent=t, out=os.path.join(out, t['name']), witness=(k == 2 and j == 0)))
        for k, mode in ((0, 'download'), (1, 'download'), (2, 'seed')):
            t = torrents[k]
            port = free_port()
            save = t['src'] if mode == 'seed' else os.path.join(work, 'lt%d' % k)
            os.makedirs(save, exist_ok=True)
            peers.append(Proc('lt-%s%d' % (mode, k), 'libtorrent',
                              [LT_PYTHON, LT_PEER, mode, t['file'], save, str(port), str(rate), '--timeout',
                               str(duration + final_timeout + 600)],
                              env, logs, port, torrent=t,
                              out=None if mode == 'seed' else os.path.join(save, t['name'])))
        for p in peers:
            p.start()
        procs += peers
        log('started 3 tracker nodes, %d Enjambre peers, %d libtorrent peers'
            % (sum(p.kind != 'libtorrent' for p in peers), sum(p.kind == 'libtorrent' for p in peers)))

        # ---- the chaos ----
        start = time.time()
        end = start + duration
        pending = []  # (when, proc, wipe)
        next_chaos = start + chaos_every
        next_sample = start + min(sample_every, interval * 1.5)
        next_reg = start + interval
        samples = {}
        while time.time() < end:
            now = time.time()
            for item in [x for x in pending if x[0] <= now]:
                pending.remove(item)
                _, p, wipe = item
                if wipe and p.out and os.path.exists(os.path.dirname(p.out)):
                    shutil.rmtree(os.path.dirname(p.out))
                    counts['wiped restarts'] += 1
                p.restarts += 1
                p.start()
            waiting = {id(x[1]) for x in pending}
            for p in procs:
                if not p.alive() and id(p) not in waiting:
                    violations.append('%s exited by itself with %s' % (p.name, p.popen.returncode))
                    log('%s exited by itself (%s): started again' % (p.name, p.popen.returncode))
                    p.restarts += 1
                    p.start()
            if now >= next_chaos:
                next_chaos = now + chaos_every * rng.uniform(0.5, 1.5)
                down = [p for p in procs if not p.alive()]
                if rng.random() < 0.2 and not any(t for t in trackers if not t.alive()):
                    victim = rng.choice([t for t in trackers if not t.witness])
                    victim.kill()
                    counts['tracker kills'] += 1
                    pending.append((now + rng.uniform(2, 6), victim, False))
                else:
                    choices = [p for p in peers if p.alive() and not p.witness]
                    if choices and len(down) < 4:
                        victim = rng.choice(choices)
                        victim.kill()
                        counts['peer kills'] += 1
                        # A leecher restarted now and then from nothing: a whole download again, under fire.
                        wipe = victim.kind == 'leech' and rng.random() < 0.3
                        pending.append((now + rng.uniform(0.5, 4), victim, wipe))
                counts['kills'] = counts['tracker kills'] + counts['peer kills']
            if now >= next_sample:
                next_sample = now + sample_every
                for p in procs:
                    if p.alive():
                        s = probe(p)
                        if s:
                            counts['probes'] += 1
                            samples.setdefault(p.kind, []).append(s)
                            if p.first_probe is None and now - p.started > settle and 'listening on' in p.log_text():
                                # The baseline for leaks: after a full GC, once the process is up and
                                # has settled (its pools and event loops started, its peers found).
                                p.first_probe = probe(p, gc=True)
                                p.first_probe_pid = p.pid
            if now >= next_reg:
                next_reg = now + interval / 2
                check_registrations(trackers, torrents, peers, interval, counts, violations)
            time.sleep(0.2)
        for _, p, _ in pending:
            p.restarts += 1
            p.start()
        log('chaos over after %.0f s: %d kills (%d tracker nodes, %d peers), %d restarts from nothing'
            % (time.time() - start, counts['kills'], counts['tracker kills'], counts['peer kills'], counts['wiped restarts']))

        # ---- every peer meant to complete holds byte-exact data ----
        leechers = [p for p in peers if p.out]
        deadline = time.time() + final_timeout
        done = {}
        while time.time() < deadline and len(done) < len(leechers):
            for p in leechers:
                if p.name not in done and os.path.exists(p.out) and os.path.getsize(p.out) == size \
                        and sha256(p.out) == p.torrent['sha256']:
                    done[p.name] = time.time() - (end)
            for p in procs:
                if not p.alive():
                    log('%s exited by itself (%s): started again' % (p.name, p.popen.returncode))
                    violations.append('%s exited by itself with %s' % (p.name, p.popen.returncode))
                    p.start()
            time.sleep(1)
        for p in leechers:
            if p.name not in done:
                violations.append('%s: data not byte-exact %d s after the chaos (%s)'
                                  % (p.name, final_timeout, 'missing' if not os.path.exists(p.out) else
                                     '%d bytes' % os.path.getsize(p.out)))
        log('byte-exact: %d of %d leechers (sha256), the last %.1f s after the chaos'
            % (len(done), len(leechers), max(done.values()) if done else float('nan')))

        # ---- registrations, once more, now that everything is up ----
        time.sleep(min(5, interval / 2))
        check_registrations(trackers, torrents, peers, interval, counts, violations)

        # ---- leaks and heaps: the last probe after a full GC against the first, same process ----
        print_table = []
        for p in procs:
            first = p.first_probe
            if not p.alive() or first is None or getattr(p, 'first_probe_pid', None) != p.pid:
                continue
            last = probe(p, gc=True)
            if last is None:
                continue
            age = last['t'] - first['t']
            if age < 20:
                continue
            print_table.append((p, first, last, age))
            if last['fds'] > first['fds'] + FD_SLACK:
                violations.append('%s: file descriptors %d -> %d in %.0f s' % (p.name, first['fds'], last['fds'], age))
            if last['threads'] > first['threads'] + THREAD_SLACK:
                violations.append('%s: threads %d -> %d in %.0f s' % (p.name, first['threads'], last['threads'], age))
            if p.kind != 'libtorrent' and last['heap'] > first['heap'] * HEAP_FACTOR + HEAP_SLACK:
                violations.append('%s: heap after GC %.1f -> %.1f MiB in %.0f s'
                                  % (p.name, first['heap'] / MIB, last['heap'] / MIB, age))
        for p in procs:
            text = p.log_text()
            if 'OutOfMemoryError' in text:
                violations.append('%s: OutOfMemoryError in its log' % p.name)
        print()
        print('soak: %d s of chaos, seed %d; %d kills (%d tracker nodes, %d peers), %d restarts from nothing'
              % (duration, a.seed, counts['kills'], counts['tracker kills'], counts['peer kills'], counts['wiped restarts']))
        print('soak: byte-exact %d/%d leechers; registration checks %d (%d unanswered by every node, %d answers'
              ' missing from one node); a live peer unlisted at one check %d times, at two in a row for at most'
              ' %.0f s (announce interval %d s); %d probes'
              % (len(done), len(leechers), counts['registration checks'], counts['registration check errors'],
                 counts['registration answers missing from one node'], counts['unlisted at one check'],
                 counts['longest unregistered'], interval, counts['probes']))
        print('soak: same process first -> last probe (after a full GC): fds, threads, heap MiB, RSS MiB')
        for p, first, last, age in sorted(print_table, key=lambda x: -x[3]):
            print('  %-14s %4.0f s  fds %3d -> %3d  threads %3d -> %3d  heap %5.1f -> %5.1f  rss %4.0f -> %4.0f%s'
                  % (p.name, age, first['fds'], last['fds'], first['threads'], last['threads'],
                     first['heap'] / MIB, last['heap'] / MIB, first['rss'] / MIB, last['rss'] / MIB,
                     '  (never killed)' if p.witness else ''))
        for kind, ss in sorted(samples.items()):
            print('  max over the run, %-10s fds %3d, threads %3d, RSS %4.0f MiB, heap %5.1f MiB'
                  % (kind, max(s['fds'] for s in ss), max(s['threads'] for s in ss), max(s['rss'] for s in ss) / MIB,
                     max(s['heap'] for s in ss) / MIB))
        print('soak: %d violation(s)' % len(violations))
        for v in violations:
            print('  VIOLATION ' + v)
        return 1 if violations else 0
    finally:
        for p in procs:
            try:
                p.stop()
            except Exception as e:  # keep stopping the others
                print('soak: could not stop %s: %s' % (p.name, e))
        if a.keep:
            print('soak: kept %s' % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


def wait_for(condition, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def check_registrations(trackers, torrents, peers, interval, counts, violations):
    """Every live peer that has had time to announce is known to the cluster (asked through a live
    node, another one if that one does not answer); a peer missing for longer than an announce
    interval is a violation, once per process."""
    live = [t for t in trackers if t.alive() and time.time() - t.started > 5]
    random.shuffle(live)
    listed = None
    for tracker in live:
        try:
            listed = {}
            for t in torrents:
                answer = http_json('http://127.0.0.1:%d/api/torrents/%s' % (tracker.port, t['hash']))
                listed[t['hash']] = {p['port'] for p in answer.get('peers', [])}
            break
        except Exception:
            # A node just restarted may not have joined yet, or may be short of time under load.
            counts['registration answers missing from one node'] += 1
            listed = None
    if listed is None:
        counts['registration check errors'] += 1
        return
    counts['registration checks'] += 1
    now = time.time()
    for p in peers:
        if not p.alive() or now - p.started < 15:
            p.missing_since = None
            continue
        if p.port in listed[p.torrent['hash']]:
            p.missing_since = None
        elif p.missing_since is None:
            p.missing_since = now
            counts['unlisted at one check'] += 1
        elif p.missing_since != -1:
            counts['longest unregistered'] = max(counts['longest unregistered'], now - p.missing_since)
        if p.missing_since not in (None, -1) and now - p.missing_since > interval + 5:
            violations.append('%s (port %d): not registered for %.0f s (announce interval %d s)'
                              % (p.name, p.port, now - p.missing_since, interval))
            p.missing_since = -1  # counted once for this process


if __name__ == '__main__':
    sys.exit(main())
