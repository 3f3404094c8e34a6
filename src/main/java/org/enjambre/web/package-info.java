/**
 * The web room: the node's REST API, the dashboard's files and live stream, and the one service
 * that turns uploads into torrents. It answers the node's owner only: {@link AccessGuard} checks
 * the {@code Host} (DNS rebinding), the {@code Origin} (CSRF) and the bearer token, and adds the
 * Content-Security-Policy to every answer; uploads are streamed to disk under a size cap and a
 * {@link DataQuota}. It reaches the node's torrents through {@link TorrentHost} only.
 */
package org.enjambre.web;
