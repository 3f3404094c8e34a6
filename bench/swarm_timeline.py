#!/usr/bin/env python3
"""Where a swarm's upload went, second by second: read by bench/swarm.sh when SWARM_TIMELINE=1.

usage: swarm_timeline.py WORK_DIR T0 RATE_BYTES_PER_S

WORK_DIR holds the run's logs (seed0.enjambre.log, leechN.enjambre.log) whose status lines
swarm.sh printed every 0.5 s and stamped with " @EPOCH" (the wall clock as each line was read);
T0 is the epoch when the timed window opened (the seed ready). Enjambre peers only: libtorrent's
peers print no such lines, so in a mixed swarm the sums cover the Enjambre side alone.

Prints, per second of the window: the leechers' summed upload against their summed limit, the
seed's upload, and the piece copies the leechers hold; then the leechers' mean upload between
t = 4 s and one second before the first completion (the steady part, after the ramp and before
the tail) in all and per leecher, which shows a leecher whose upload idles.
"""
import glob
import os
import re
import sys

UNITS = {'B': 1, 'KiB': 1024, 'MiB': 1024 ** 2, 'GiB': 1024 ** 3}
STATUS = re.compile(r' up ([0-9.]+) (B|KiB|MiB|GiB) pieces (\d+)/(\d+) @([0-9.]+)$')
COMPLETE = re.compile(r'^complete: .* @([0-9.]+)$')
STEADY_FROM = 4.0


def series(path, t0):
    """[(seconds since t0, bytes uploaded, pieces held)] from one peer's stamped status lines."""
    points = []
    with open(path, errors='replace') as f:
        for line in f:
            m = STATUS.search(line.rstrip('\n'))
            if m:
                points.append((float(m.group(5)) - t0, float(m.group(1)) * UNITS[m.group(2)], int(m.group(3))))
    return points


def at(points, t):
    """(uploaded, pieces) at time t, linear between the samples around it; the first or last sample outside them."""
    if not points:
        return 0.0, 0.0
    if t <= points[0][0]:
        return points[0][1], points[0][2]
    for (ta, ua, pa), (tb, ub, pb) in zip(points, points[1:]):
        if ta <= t <= tb:
            f = (t - ta) / (tb - ta) if tb > ta else 1.0
            return ua + f * (ub - ua), pa + f * (pb - pa)
    return points[-1][1], points[-1][2]


def completions(paths, t0):
    out = []
    for path in paths:
        with open(path, errors='replace') as f:
            for line in f:
                m = COMPLETE.match(line.rstrip('\n'))
                if m:
                    out.append(float(m.group(1)) - t0)
    return out


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[2])
    work, t0, rate = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    leech_logs = sorted(glob.glob(os.path.join(work, 'leech*.enjambre.log')),
                        key=lambda p: int(re.search(r'leech(\d+)', p).group(1)))
    seed_logs = glob.glob(os.path.join(work, 'seed0.enjambre.log'))
    leechers = [(re.search(r'(leech\d+)', p).group(1), series(p, t0)) for p in leech_logs]
    leechers = [(name, s) for name, s in leechers if s]
    if not leechers:
        print('  timeline: no stamped Enjambre leecher status lines in', work)
        return
    seed = series(seed_logs[0], t0) if seed_logs else []
    done = completions(leech_logs, t0)
    end = max(done) if done else max(s[-1][0] for _, s in leechers)
    cap = rate * len(leechers) / 1e6
    print('  timeline of %d Enjambre leechers (MB/s; their summed limit %.0f):' % (len(leechers), cap))
    print('    %5s %12s %8s %14s' % ('t s', 'leechers up', 'seed up', 'copies held'))
    t = 0.0
    while t < end + 1.0:
        up = sum(at(s, t + 1)[0] - at(s, t)[0] for _, s in leechers) / 1e6
        seed_up = (at(seed, t + 1)[0] - at(seed, t)[0]) / 1e6 if seed else float('nan')
        held = sum(at(s, t + 1)[1] for _, s in leechers)
        print('    %5.0f %12.1f %8.2f %14.0f' % (t + 1, up, seed_up, held))
        t += 1.0
    if not done:
        return
    a, b = STEADY_FROM, min(done) - 1.0
    if b - a < 2.0:
        print('  steady part too short to measure (first completion at %.1f s)' % min(done))
        return
    per = [(name, (at(s, b)[0] - at(s, a)[0]) / (b - a) / 1e6) for name, s in leechers]
    print('  steady part (%.0f to %.1f s): leechers upload %.1f MB/s of %.0f (%.0f %%); completions %.1f to %.1f s'
          % (a, b, sum(r for _, r in per), cap, 100 * sum(r for _, r in per) / cap, min(done), max(done)))
    print('  per leecher: ' + ', '.join('%s %.1f' % (name, r) for name, r in per))


if __name__ == '__main__':
    main()
