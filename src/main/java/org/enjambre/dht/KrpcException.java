package org.enjambre.dht;

/**
 * A packet that is not a well-formed KRPC message. It carries the KRPC error code to answer with
 * and, when the packet was readable far enough to be a query with a transaction id, that id (so
 * the sender can be told why); otherwise the packet is only dropped and counted.
 */
public final class KrpcException extends RuntimeException {
    private final int code;
    private final byte[] transactionId;

    KrpcException(int code, String message, byte[] transactionId) {
        super(message);
        this.code = code;
        this.transactionId = transactionId;
    }

    public int code() {
        return code;
    }

    /** The query's transaction id when an error answer can be sent, else null. */
    public byte[] answerableTransactionId() {
        return transactionId == null ? null : transactionId.clone();
    }
}
