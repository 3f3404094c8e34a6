/**
 * Storage: where a torrent's pieces live on disk. Maps pieces to the files of the torrent (a piece
 * may span several files), writes and reads blocks with positional I/O through a bounded cache of
 * open files, checks pieces with SHA-1 reading them back in small chunks (never a whole piece in
 * memory), rechecks existing data on several threads, and keeps resume data so that a restart does
 * not recheck or download again what was verified.
 *
 * <p>Plain blocking, thread-safe Java: no Vert.x here. The peer engine calls it from worker threads
 * ({@code executeBlocking}), never from an event loop. Nothing is ever created outside the download
 * folder.
 */
package org.enjambre.storage;
