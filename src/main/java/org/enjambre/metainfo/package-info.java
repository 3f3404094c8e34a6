/**
 * Metainfo: BEP 3 {@code .torrent} files (v1, single and multi-file), the info-hash, the file
 * layout that maps content bytes to files, path safety, the torrent builder and magnet URIs (BEP 9).
 */
package org.enjambre.metainfo;
