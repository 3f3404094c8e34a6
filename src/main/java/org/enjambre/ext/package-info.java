/**
 * The extension seam (BEP 10), in the manner of libtorrent's plugins: an
 * {@link org.enjambre.ext.ExtensionRegistry} per torrent gives each registered extension our local
 * message id, builds our extended handshake (the {@code m} dictionary and the fields extensions add),
 * and per connection ({@link org.enjambre.ext.ConnectionExtensions}) reads the peer's handshake and hands
 * each incoming extended message to the {@link org.enjambre.ext.Extension} object it belongs to.
 *
 * <p>The connection is seen only through the narrow {@link org.enjambre.ext.ExtensionPeer}, and an
 * extension sees its peer only through its {@link org.enjambre.ext.ExtensionChannel}, so extensions
 * (ut_metadata, ut_pex) are tested with a fake peer. Payload codecs live in {@code wire.ext}.
 */
package org.enjambre.ext;
