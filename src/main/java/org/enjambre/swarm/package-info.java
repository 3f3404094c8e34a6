/**
 * One torrent's engine: peer connections over the wire protocol, the piece picker, choking,
 * upload backpressure and rate limits, and the torrent's state (bitfield and counters) in one place.
 *
 * <p>Everything in an engine runs on one Vert.x context (the hosting verticle's event loop), so
 * engine state needs no locks; file I/O and hashing go to a worker pool through {@link
 * org.enjambre.swarm.PieceStore}. {@link org.enjambre.swarm.TorrentState} is the only part read
 * from other threads (dashboard, tracker announces, the CLI's progress line).
 */
package org.enjambre.swarm;
