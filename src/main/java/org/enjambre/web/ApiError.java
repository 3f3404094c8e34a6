package org.enjambre.web;

/** A refusal with the HTTP status that fits it (always 4xx for bad input); the API answers {@code {"error": message}}. */
public class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    public ApiError(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
