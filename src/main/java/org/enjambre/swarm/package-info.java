/**
 * One torrent's engine, in rooms: {@link org.enjambre.swarm.TorrentEngine} is a thin coordinator
 * that wires them and routes each connection's events; {@link org.enjambre.swarm.PeerList}
 * (candidates, dialling, backoff, bans, connection limits), {@link org.enjambre.swarm.Interest},
 * {@link org.enjambre.swarm.RequestScheduler} (pipelining depth, endgame, reroute, snub, request
 * timeouts), {@link org.enjambre.swarm.PieceReceiver} (buffers, writes, verification, piece events)
 * with {@link org.enjambre.swarm.SmartBan} listening, {@link org.enjambre.swarm.ChokeController}
 * beside the pure {@link org.enjambre.swarm.Choker}, {@link org.enjambre.swarm.UploadScheduler}
 * (queue, pacer, scarcity, read cache, backpressure), {@link org.enjambre.swarm.FastExtension} (BEP 6:
 * have all/none, allowed fast; rejects are the schedulers'), and {@link org.enjambre.swarm.ResumeSaver}
 * (when verified pieces are written down). Each talks to a connection through a
 * {@link org.enjambre.swarm.PeerLink} and reads time from an injected clock, so it is unit-tested
 * with a fake link and no sockets or sleeps. {@link org.enjambre.swarm.PeerConnector} opens the
 * connections both ways, for the engine and for the metadata phase of a magnet link ({@link
 * org.enjambre.swarm.MetadataSwarm}). {@link org.enjambre.swarm.PeerExtensions} is the seam
 * for the extension protocol.
 *
 * <p>Everything in an engine runs on one Vert.x context (the hosting verticle's event loop), so
 * engine state needs no locks; file I/O and hashing go to a worker pool through {@link
 * org.enjambre.swarm.PieceStore}. {@link org.enjambre.swarm.TorrentState} is the only part read
 * from other threads (dashboard, tracker announces, the CLI's progress line).
 */
package org.enjambre.swarm;
