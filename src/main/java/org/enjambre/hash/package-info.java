/**
 * SHA-1 for pieces: one small interface, {@link org.enjambre.hash.Sha1}, with two engines behind it,
 * the JDK's {@code MessageDigest} and OpenSSL's libcrypto reached through the FFM API. Torrent
 * creation and piece verification both take their digests from here, so the faster engine serves
 * both, and the JDK's is always there when libcrypto is not.
 *
 * <p>JDK only (and the platform's libcrypto when it loads): a leaf room under {@code metainfo} and
 * {@code storage}.
 */
package org.enjambre.hash;
