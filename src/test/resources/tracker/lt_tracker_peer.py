#!/usr/bin/python3
"""libtorrent helper for the tracker interop test.

  lt_tracker_peer.py make FILE TRACKER_URL OUT.torrent   v1-only torrent of FILE announcing to TRACKER_URL
  lt_tracker_peer.py seed OUT.torrent DIR PORT            seed DIR/<name> on 127.0.0.1:PORT; knows only the tracker

The seeder prints 'seeding' once its data is checked, and a line per tracker reply; it runs until killed.
"""
import sys
import time
import libtorrent as lt


def make(path, tracker, out):
    fs = lt.file_storage()
    lt.add_files(fs, path)
    ct = lt.create_torrent(fs, 65536, flags=lt.create_torrent.v1_only)
    ct.add_tracker(tracker)
    import os
    lt.set_piece_hashes(ct, os.path.dirname(os.path.abspath(path)))
    with open(out, "wb") as f:
        f.write(lt.bencode(ct.generate()))
    print(str(lt.torrent_info(out).info_hash()))


def seed(torrent, data_dir, port):
    settings = {
        "listen_interfaces": "127.0.0.1:%d" % port,
        "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "allow_multiple_connections_per_ip": True,
        "enable_outgoing_utp": False, "enable_incoming_utp": False,
        # The tracker is on localhost; its path is /announce, but say it plainly.
        "ssrf_mitigation": False,
        "alert_mask": lt.alert.category_t.all_categories,
        "announce_to_all_trackers": True,
    }
    ses = lt.session(settings)
    info = lt.torrent_info(torrent)
    h = ses.add_torrent({"ti": info, "save_path": data_dir})
    announced_seeding = False
    while True:  # stopped by the test, which started it
        for a in ses.pop_alerts():
            if isinstance(a, (lt.tracker_reply_alert, lt.tracker_error_alert, lt.tracker_warning_alert)):
                print("tracker:", a.message(), flush=True)
        s = h.status()
        if s.is_seeding and not announced_seeding:
            announced_seeding = True
            print("seeding", flush=True)
            h.force_reannounce()
        time.sleep(0.2)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == "seed":
        seed(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit("usage: make|seed ...")
