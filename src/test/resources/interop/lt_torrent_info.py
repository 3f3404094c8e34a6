#!/usr/bin/python3
"""Reads a .torrent with libtorrent and prints what libtorrent sees, as one JSON object.

    lt_torrent_info.py FILE.torrent [SAVE_PATH [TIMEOUT_SECONDS]]

With SAVE_PATH, libtorrent also checks the data under SAVE_PATH against the torrent (a session
on loopback with DHT, LSD, UPnP and NAT-PMP off, nothing announced) and reports how many pieces
it found valid. Used by Enjambre's interop tests; exits non-zero on any error.
"""
import json
import sys
import time

import libtorrent as lt


def describe(ti):
    fs = ti.files()
    files = []
    for i in range(fs.num_files()):
        files.append({
            "path": fs.file_path(i).replace("\\", "/"),
            "length": fs.file_size(i),
            "pad": bool(fs.file_flags(i) & lt.file_storage.flag_pad_file),
        })
    return {
        "name": ti.name(),
        "infoHash": str(ti.info_hashes().v1),
        "hasV2": ti.info_hashes().has_v2(),
        "pieces": ti.num_pieces(),
        "pieceLength": ti.piece_length(),
        "length": ti.total_size(),
        "files": files,
    }


def check(ti, save_path, timeout):
    ses = lt.session({
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "alert_mask": 0,
    })
    h = ses.add_torrent({"ti": ti, "save_path": save_path})
    waiting = (lt.torrent_status.checking_files, lt.torrent_status.checking_resume_data,
               lt.torrent_status.queued_for_checking)
    deadline = time.monotonic() + timeout
    while True:
        s = h.status()
        # Done checking once libtorrent has left the checking states (seeding if every piece was valid).
        if s.has_metadata and s.state not in waiting and not s.errc.value():
            break
        if s.errc.value():
            raise SystemExit("libtorrent error: %s" % s.errc.message())
        if time.monotonic() > deadline:
            raise SystemExit("libtorrent did not finish checking within %s s (state %s)" % (timeout, s.state))
        time.sleep(0.1)
    s = h.status()
    return {"validPieces": s.num_pieces, "state": str(s.state), "seeding": s.is_seeding}


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    ti = lt.torrent_info(sys.argv[1])
    out = describe(ti)
    if len(sys.argv) >= 3:
        timeout = float(sys.argv[3]) if len(sys.argv) >= 4 else 60.0
        out.update(check(ti, sys.argv[2], timeout))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
