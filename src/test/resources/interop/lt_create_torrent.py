#!/usr/bin/python3
"""Makes a v1-only .torrent of a file or folder with libtorrent's create_torrent.

    lt_create_torrent.py PATH OUT.torrent PIECE_LENGTH

libtorrent 2.0 makes hybrid v1+v2 torrents unless told v1_only. Prints libtorrent's v1
info-hash (40 hex digits) of the torrent it wrote. Used by Enjambre's interop tests.
"""
import os
import sys

import libtorrent as lt


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    path, out, piece_length = os.path.abspath(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    fs = lt.file_storage()
    lt.add_files(fs, path)
    if fs.num_files() == 0:
        raise SystemExit("no files under " + path)
    ct = lt.create_torrent(fs, piece_length, lt.create_torrent.v1_only)
    ct.set_creator("libtorrent " + lt.__version__)
    ct.add_tracker("http://127.0.0.1:6969/announce")
    lt.set_piece_hashes(ct, os.path.dirname(path))
    data = lt.bencode(ct.generate())
    with open(out, "wb") as f:
        f.write(data)
    print(str(lt.torrent_info(out).info_hashes().v1))


if __name__ == "__main__":
    main()
