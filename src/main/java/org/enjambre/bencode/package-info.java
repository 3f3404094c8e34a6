/**
 * Bencode (BEP 3): values, a strict decoder that keeps byte spans, and a canonical encoder.
 * Pure functions of bytes; depends on the JDK only.
 */
package org.enjambre.bencode;
