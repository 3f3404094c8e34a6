/**
 * SHA-1 for pieces: one small interface, {@link org.enjambre.hash.Sha1}, with two engines behind it,
 * the JDK's {@code MessageDigest} and OpenSSL's libcrypto reached through the FFM API. Torrent
 * creation and piece verification both take their digests from here, so the faster engine serves
 * both, and the JDK's is always there when libcrypto is not.
 *
 * {@link org.enjambre.hash.Sha1Pieces} hashes many pieces in one call, four side by side through
 * the build's own native library ({@code src/main/c}) where it loaded, else one by one through
 * {@link org.enjambre.hash.Sha1}.
 *
 * <p>JDK only (and the platform's libcrypto, and the build's native library, when they load): a
 * leaf room under {@code metainfo} and {@code storage}.
 */
package org.enjambre.hash;
