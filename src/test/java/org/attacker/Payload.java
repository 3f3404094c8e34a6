package org.attacker;

import java.io.Serializable;

/** A Serializable class from outside the allow-list: what a gadget chain would smuggle in. */
public record Payload(String command) implements Serializable {
}
