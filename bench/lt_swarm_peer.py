#!/usr/bin/python3
"""A libtorrent swarm peer for bench/swarm.sh, loopback only.

usage: lt_swarm_peer.py seed|download TORRENT SAVE_DIR PORT UPLOAD_BYTES_PER_S [--timeout S]

Prints 'listening on PORT' once it can serve, 'complete SECONDS' (download) when every piece is
verified, then keeps seeding until killed, so that it goes on helping the others. Peers come from
the torrent's tracker only. DHT, LSD, UPnP, NAT-PMP and uTP are off; loopback peers are put in
the global peer class, so that the upload limit applies to them too (libtorrent exempts local
peers otherwise).
"""
import os
import sys
import time

import libtorrent as lt


def main():
    mode, torrent, save, port, rate = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    timeout = float(sys.argv[7]) if len(sys.argv) > 7 and sys.argv[6] == '--timeout' else 600.0
    settings = {
        'listen_interfaces': '127.0.0.1:%d' % port,
        'enable_dht': False, 'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
        'enable_outgoing_utp': False, 'enable_incoming_utp': False,
        'allow_multiple_connections_per_ip': True,
        'upload_rate_limit': rate,
        'ssrf_mitigation': False,
        'announce_to_all_trackers': True,
        # Re-announce at the interval the tracker asks for (libtorrent's default floor is 300 s,
        # longer than a short run's peer expiry), floored at 5 s as Enjambre's client is.
        'min_announce_interval': 5,
        'alert_mask': lt.alert.category_t.error_notification,
    }
    session = lt.session(settings)
    ip_filter = lt.ip_filter()
    ip_filter.add_rule('0.0.0.0', '255.255.255.255', 1)
    session.set_peer_class_filter(ip_filter)
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(torrent)
    params.save_path = save
    handle = session.add_torrent(params)
    deadline = time.time() + timeout
    while session.listen_port() == 0 or (mode == 'seed' and not handle.status().is_seeding):
        if time.time() > deadline:
            print('not ready after %.0f s' % timeout, flush=True)
            return 2
        time.sleep(0.05)
    print('listening on %d' % session.listen_port(), flush=True)
    start = time.time()
    done = mode == 'seed'
    # LT_SWARM_STATS=1: a line a second (wall clock, progress, rates, who chokes whom by kind of peer)
    # with bytes from and to each kind, for reading where a swarm's time goes.
    stats = os.environ.get('LT_SWARM_STATS') == '1'
    next_stats = time.time()
    while time.time() < deadline:
        status = handle.status()
        if not done and status.is_seeding:
            print('complete %.3f at %.3f' % (time.time() - start, time.time()), flush=True)
            done = True
        if stats and time.time() >= next_stats:
            next_stats += 1.0
            print_stats(handle, status)
        time.sleep(0.05)
    return 0 if done else 2


def kind(peer):
    pid = peer.pid.to_bytes()
    if peer.flags & lt.peer_info.seed:
        return 'seed'
    return 'ej' if pid.startswith(b'-EJ') else 'lt' if pid.startswith(b'-LT') else 'other'


def print_stats(handle, status):
    counts = {}
    for p in handle.get_peer_info():
        k = kind(p)
        c = counts.setdefault(k, [0, 0, 0, 0, 0, 0, 0])
        c[0] += 1
        c[1] += 0 if p.flags & lt.peer_info.remote_choked else 1  # they unchoke us
        c[2] += 0 if p.flags & lt.peer_info.choked else 1  # we unchoke them
        c[3] += 1 if p.flags & lt.peer_info.remote_interested else 0
        c[4] += 1 if p.flags & lt.peer_info.interesting else 0
        c[5] += p.total_download
        c[6] += p.total_upload
    print('stats at %.3f progress %.4f down %d up %d %s' % (
        time.time(), status.progress, status.download_payload_rate, status.upload_payload_rate,
        ' '.join('%s=n%d/unchokes_us%d/we_unchoke%d/interested_in_us%d/we_interested%d/down%d/up%d' % (k, *v)
                 for k, v in sorted(counts.items()))), flush=True)


if __name__ == '__main__':
    sys.exit(main())
