/**
 * SHA-1 for pieces: one small interface, {@link org.enjambre.hash.Sha1}, with two engines behind it,
 * the JDK's {@code MessageDigest} and OpenSSL's libcrypto reached through the FFM API. Torrent
 * creation and piece verification both take their digests from here, so the faster engine serves
 * both, and the JDK's is always there when libcrypto is not. {@link org.enjambre.hash.FileLease}
 * lets libcrypto read a file where it lies in the page cache (a mapping) without the file being
 * truncated under it: a Linux read lease, and pages populated before they are read.
 *
 * <p>JDK only (and the platform's libcrypto when it loads): a leaf room under {@code metainfo} and
 * {@code storage}.
 */
package org.enjambre.hash;
