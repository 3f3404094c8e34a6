package org.enjambre.wire.ext;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Optional;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.Bencode;
import org.enjambre.bencode.BencodeException;

/**
 * The ut_metadata messages of BEP 9, which carry the info dictionary in 16 KiB pieces between peers
 * that know it only by its info-hash (a magnet link). Each is a bencoded dictionary with
 * {@code msg_type} and {@code piece}; a {@code data} message adds {@code total_size} and is followed,
 * after the dictionary, by the piece's bytes.
 */
public sealed interface MetadataMessage {
    /** The extension's name in the {@code m} dictionary. */
    String NAME = "ut_metadata";
    /** Every piece but the last is exactly this long (BEP 9). */
    int PIECE_LENGTH = 16 * 1024;
    /**
     * Largest info dictionary the codec accepts in {@code total_size}, so that a piece index stays far
     * inside an {@code int} and nobody is asked to hold more: libtorrent's cap. The fetcher may set a
     * lower one with {@link #decode(byte[], long)}.
     */
    long MAX_METADATA_SIZE = 30L * 1024 * 1024;

    int MSG_TYPE_REQUEST = 0;
    int MSG_TYPE_DATA = 1;
    int MSG_TYPE_REJECT = 2;

    /** The metadata piece this message is about. */
    int piece();

    /** Asks for one piece of the info dictionary. */
    record Request(int piece) implements MetadataMessage {
        public Request {
            checkPiece(piece);
        }
    }

    /**
     * One piece of the info dictionary.
     *
     * @param totalSize size of the whole info dictionary
     * @param block     the piece's bytes: {@link #PIECE_LENGTH}, or what is left for the last piece
     */
    record Data(int piece, long totalSize, byte[] block) implements MetadataMessage {
        public Data {
            checkPiece(piece);
            String problem = dataProblem(piece, totalSize, block.length, MAX_METADATA_SIZE);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Data d && d.piece == piece && d.totalSize == totalSize && Arrays.equals(d.block, block);
        }

        @Override
        public int hashCode() {
            return (31 * piece + Long.hashCode(totalSize)) * 31 + Arrays.hashCode(block);
        }

        @Override
        public String toString() {
            return "Data[piece=" + piece + ", totalSize=" + totalSize + ", " + block.length + " bytes]";
        }
    }

    /** The sender will not give that piece (it has no metadata, or it throttles us). */
    record Reject(int piece) implements MetadataMessage {
        public Reject {
            checkPiece(piece);
        }
    }

    /** Pieces of an info dictionary of {@code totalSize} bytes. */
    static int pieceCount(long totalSize) {
        return (int) ((totalSize + PIECE_LENGTH - 1) / PIECE_LENGTH);
    }

    /** The payload of the extended message (after the extended id). */
    static byte[] encode(MetadataMessage message) {
        return switch (message) {
            case Request r -> header(MSG_TYPE_REQUEST, r.piece()).build().encode();
            case Reject r -> header(MSG_TYPE_REJECT, r.piece()).build().encode();
            case Data d -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.writeBytes(header(MSG_TYPE_DATA, d.piece()).put("total_size", d.totalSize()).build().encode());
                out.writeBytes(d.block);
                yield out.toByteArray();
            }
        };
    }

    /** {@link #decode(byte[], long)} with {@link #MAX_METADATA_SIZE}. */
    static Optional<MetadataMessage> decode(byte[] payload) throws ExtensionMessageException {
        return decode(payload, MAX_METADATA_SIZE);
    }

    /**
     * Reads a ut_metadata payload. Empty for a {@code msg_type} this codec does not know: BEP 9 says
     * such messages must be ignored. Refused: malformed bencode, missing or mistyped keys, a piece
     * index past {@code maxMetadataSize}, a {@code total_size} over it, a {@code data} block whose
     * length is not what {@code piece} and {@code total_size} call for, bytes after a request or reject.
     */
    static Optional<MetadataMessage> decode(byte[] payload, long maxMetadataSize) throws ExtensionMessageException {
        String what = "ut_metadata message";
        Bencode.Prefix prefix;
        try {
            prefix = Bencode.decodePrefix(payload);
        } catch (BencodeException e) {
            throw new ExtensionMessageException(what + ": " + e.getMessage(), e);
        }
        Fields f = Fields.of(what, prefix.value());
        long msgType = f.integer("msg_type");
        int piece = (int) f.integer("piece", 0, pieceCount(Math.min(maxMetadataSize, MAX_METADATA_SIZE)) - 1);
        int trailing = payload.length - prefix.end();
        if (msgType == MSG_TYPE_REQUEST || msgType == MSG_TYPE_REJECT) {
            if (trailing != 0) {
                throw new ExtensionMessageException(what + ": " + trailing + " bytes after a "
                        + (msgType == MSG_TYPE_REQUEST ? "request" : "reject"));
            }
            return Optional.of(msgType == MSG_TYPE_REQUEST ? new Request(piece) : new Reject(piece));
        }
        if (msgType == MSG_TYPE_DATA) {
            long totalSize = f.integer("total_size");
            String problem = dataProblem(piece, totalSize, trailing, Math.min(maxMetadataSize, MAX_METADATA_SIZE));
            if (problem != null) {
                throw new ExtensionMessageException(what + ": " + problem);
            }
            return Optional.of(new Data(piece, totalSize, Arrays.copyOfRange(payload, prefix.end(), payload.length)));
        }
        return Optional.empty();
    }

    private static BDict.Builder header(int msgType, int piece) {
        return BDict.builder().put("msg_type", msgType).put("piece", piece);
    }

    private static void checkPiece(int piece) {
        if (piece < 0 || piece >= pieceCount(MAX_METADATA_SIZE)) {
            throw new IllegalArgumentException("metadata piece out of range: " + piece);
        }
    }

    /** Why a data message with these numbers is wrong, or null when it is right. */
    private static String dataProblem(int piece, long totalSize, int blockLength, long maxMetadataSize) {
        if (totalSize <= 0 || totalSize > maxMetadataSize) {
            return "total_size " + totalSize + " outside 1.." + maxMetadataSize;
        }
        if (piece >= pieceCount(totalSize)) {
            return "piece " + piece + " past the " + pieceCount(totalSize) + " pieces of " + totalSize + " bytes";
        }
        long expected = Math.min(PIECE_LENGTH, totalSize - (long) piece * PIECE_LENGTH);
        if (blockLength != expected) {
            return "piece " + piece + " of " + blockLength + " bytes (want " + expected + " of " + totalSize + ")";
        }
        return null;
    }
}
