/**
 * Pure codecs for the payloads of BEP 10 extended messages: the extended handshake
 * ({@link org.enjambre.wire.ext.ExtendedHandshake}), the ut_metadata messages of BEP 9
 * ({@link org.enjambre.wire.ext.MetadataMessage}) and the ut_pex message of BEP 11
 * ({@link org.enjambre.wire.ext.PexMessage}).
 *
 * <p>Bytes in, values out, and back; JDK, {@code bencode} and {@code net.PeerAddress} only. Every
 * payload comes from an untrusted peer: each field is checked for type, range and size, and every
 * refusal is an {@link org.enjambre.wire.ext.ExtensionMessageException} that says what was wrong.
 * Which extension owns which message id is the business of the {@code ext} room, not of these codecs.
 */
package org.enjambre.wire.ext;
